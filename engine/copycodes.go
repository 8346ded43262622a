package engine

import (
	"errors"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"

	"github.com/imageshare/ecs-image-share/outcome"
)

// copyCodes maps every error code of CopyImage's current API reference (the
// table and its sources are in docs/copyimage-errors.md) to a product code
// and a remedy. Codes common to every ECS API (throttling, signatures,
// InternalError, ...) are not repeated: copyClassify falls back to ecsCodes
// for them. later marks a code that a later attempt (minutes later, not a
// backoff away) may get past: the outcome says retryable, the handler
// copies again on a deferred attempt, and the call is not retried in place.
func copyCodes(code string) (info codeInfo, later, ok bool) {
	switch code {
	// What this product sends is wrong: a bug here, not a state of the cloud.
	case "InvalidImageName.Malformed", "InvalidDescription.Malformed", "InvalidParameter.EncryptedIllegal",
		"InvalidEncrypted.NotMatchEncryptAlgorithm", "InvalidEncryptAlgorithm", "InvalidEncrypted.NotMatchKmsKeyId",
		"InvalidRegionId.NotSupportEncryptAlgorithm", "InvalidResourceGroup.NotFound", "InvalidAliUid.IsNull":
		return codeInfo{code: outcome.Internal}, false, true

	case "SourceRegion.NotFound":
		return codeInfo{code: outcome.RegionNotFound, message: "the image's region is unknown to ECS"}, false, true
	case "DestinationRegion.NotFound":
		return codeInfo{code: outcome.RegionNotFound,
			message: "the copyTo region is not a region ECS knows (or not one open to this account): fix copyTo in the policy"}, false, true

	case "InvalidImageId.NotFound", "InvalidSnapshotId.NotFound":
		return codeInfo{code: outcome.ImageNotFound}, false, true
	case "IncorrectImageStatus":
		return codeInfo{code: outcome.ImageNotReady, message: "only an Available image can be copied"}, true, true

	case "QuotaExceed.Image":
		return codeInfo{code: outcome.ImageQuotaExceeded,
			message: "the destination region holds the most custom images allowed: delete unused images there or raise the quota in Quota Center"}, false, true
	case "QuotaExceed.Snapshot":
		return codeInfo{code: outcome.ImageQuotaExceeded,
			message: "the destination region holds the most snapshots allowed: delete unused snapshots there or raise the quota"}, false, true

	case "OperationDenied.ImageCopyConflict", "OperationDenied.ImageCopying":
		return codeInfo{code: outcome.CopyInProgress,
			message: "the image is being copied already and ECS copies one image at a time: the next attempt copies it"}, true, true
	case "InvalidOperation.Conflict":
		return codeInfo{code: outcome.CopyInProgress,
			message: "a previous request for this copy is still being handled: the next attempt looks again"}, true, true

	case "InvalidParameter.KMSKeyId.NotFound":
		return codeInfo{code: outcome.KMSKeyUnusable,
			message: "the KMS key does not exist in the destination region (keys are regional): fix kmsKeyId in the policy"}, false, true
	case "InvalidParameter.KMSKeyId.CMKNotEnabled":
		return codeInfo{code: outcome.KMSKeyUnusable, message: "the KMS key is not enabled: enable it in KMS"}, false, true
	case "InvalidParameter.KMSKeyId.KMSUnauthorized", "OperationDenied.KmsServiceUnauthorized":
		return codeInfo{code: outcome.KMSKeyUnusable,
			message: "ECS may not use this KMS key: authorize ECS on KMS (the service-linked role) and allow the key's policy to let ECS use it"}, false, true
	case "InvalidParameter.KMSKeyId.CMKUnauthorized":
		return codeInfo{code: outcome.KMSKeyUnusable,
			message: "the KMS key does not authorize ECS to tag it: grant ECS use of the key in its key policy"}, false, true
	case "InvalidParameter.KmsNotEnabled":
		return codeInfo{code: outcome.KMSKeyUnusable, message: "KMS is not activated for this account in the destination region"}, false, true
	case "InvalidParameter.DataEncryptedKeyCreateFailed":
		return codeInfo{code: outcome.KMSKeyUnusable, retryable: false,
			message: "KMS could not create a data key with this key: check the key and KMS instance, or contact KMS support"}, true, true
	case "InvalidRegion.NotSupport", "UserNotInTheWhiteList":
		return codeInfo{code: outcome.KMSKeyUnusable,
			message: "bring-your-own-key is not available here for this account: use a KMS-generated key"}, false, true

	case "OperationDeined.EncryptedSnapshot": // sic
		return codeInfo{code: outcome.CopyUnsupported,
			message: "the image is encrypted, and a copy of an encrypted image must be encrypted too: give this copyTo region a kmsKeyId"}, false, true
	case "OperationDenied.EncryptSnapshotAcrossRegion", "InvalidEncrypted.NotMatchDiskDefaultEncryption":
		return codeInfo{code: outcome.CopyUnsupported,
			message: "the copy's encryption conflicts with the image's or with the account's default disk encryption: adjust kmsKeyId for this region"}, false, true
	case "IncorrectDestinationRegion":
		return codeInfo{code: outcome.CopyUnsupported, message: "a copy in the image's own region must be encrypted (reencrypt)"}, false, true
	case "RegionNotSupportCopy", "OperationDenied.NonCompliantDestinationRegion":
		return codeInfo{code: outcome.CopyUnsupported,
			message: "ECS does not copy images between these two regions: remove the region from copyTo"}, false, true
	case "SizeExceed.Image":
		return codeInfo{code: outcome.CopyUnsupported,
			message: "the image is too large to copy: copy its snapshots (CopySnapshot) and build the image there"}, false, true
	case "InvalidOperation.VhdImageUnsupported", "InvalidOperation.CloudBoxImageCopyUnsupported", "OperationDenied.CommunityImage",
		"OperationDenied.NotPublished", "OperationDenied.NotAuthorized", "InvalidSnapshot.TooOld", "OperationDenied":
		return codeInfo{code: outcome.CopyUnsupported, message: "ECS cannot copy this kind of image"}, false, true
	case "OperationDenied.SameRegionOnly":
		return codeInfo{code: outcome.CopyUnsupported, message: "an image shared by another account can be copied only within its region"}, false, true
	case "InvalidImageName.Duplicated":
		return codeInfo{code: outcome.CopyUnsupported,
			message: "an image with the copy's name exists in the destination region: rename one of them"}, false, true

	case "Forbbiden": // sic, as CopyImage's table spells it
		return codeInfo{code: outcome.PermissionDenied, message: "the role may not call ecs:CopyImage (and ecs:TagResources) on this image: see docs/deployment.md"}, false, true
	case "Account.Arrearage":
		return codeInfo{code: outcome.PermissionDenied, message: "the account has an overdue payment: settle it in the billing console"}, false, true
	}
	return codeInfo{}, false, false
}

// copyClassify is classify for CopyImage: its own table first, then the
// codes common to every call.
func copyClassify(err error) (*outcome.Error, codeInfo) {
	var se *sdkerrors.ServerError
	if errors.As(err, &se) {
		if info, later, ok := copyCodes(se.ErrorCode()); ok {
			msg := info.message
			if msg == "" {
				msg = se.Message()
			}
			return &outcome.Error{Code: info.code, ECSCode: se.ErrorCode(), Retryable: info.retryable || later,
				Message: msg, RequestID: se.RequestId(), Err: err}, info
		}
	}
	return classify(err)
}

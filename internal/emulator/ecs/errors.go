package ecs

import (
	"fmt"
	"net/http"

	"github.com/imageshare/ecs-image-share/internal/emulator/rpcerr"
)

// apiError is an answer in the service's error format (package rpcerr).
type apiError = rpcerr.Error

// newError returns the error for code from this service's table; msg, when
// given, replaces the message.
func newError(code string, msg ...string) *apiError { return rpcerr.New(lookup, code, msg...) }

// missingParameter is MissingParameter worded as the seed reference words it.
func missingParameter(name string) *apiError {
	return newError("MissingParameter",
		"An input parameter "+name+" that is mandatory for processing the request is not supplied.")
}

// invalidParameter is InvalidParameter naming the parameter, with an optional reason.
func invalidParameter(name, why string) *apiError {
	msg := fmt.Sprintf("The specified parameter %q is not valid.", name)
	if why != "" {
		msg += " " + why
	}
	return newError("InvalidParameter", msg)
}

// ErrorStatus returns the HTTP status the emulator answers code with, and
// whether code is one the emulator knows. A world file's faults can be
// checked against it.
func ErrorStatus(code string) (int, bool) {
	status, _, ok := lookup(code)
	return status, ok
}

// lookup is the one table of error codes: every code documented for the
// calls the emulator serves (reference/ecs-rpc.md and the seed document),
// then the RPC gateway's common ones (package rpcerr). Real rule violations
// and injected faults both answer through it, so a code always carries the
// same status. It is a switch, not a map, so the table cannot be mutated.
func lookup(code string) (status int, message string, ok bool) {
	const (
		bad       = http.StatusBadRequest
		forbidden = http.StatusForbidden
		notFound  = http.StatusNotFound
	)
	switch code {
	// Common to every ECS API, beyond the gateway's.
	case "Throttling.Api":
		return bad, "Request was denied due to api flow control.", true
	case "Forbidden":
		return forbidden, "User not authorized to operate on the specified resource.", true
	case "NoPermission":
		return forbidden, "The operator is not permitted for this resource.", true

	// Shared by the image calls.
	case "InvalidRegionId.NotFound":
		return bad, "The specified region does not exist.", true
	case "InvalidImageId.NotFound":
		// The seed says 403, the current reference 404: the current one wins.
		return notFound, "The specified ImageId does not exist.", true

	// ModifyImageSharePermission.
	case "InvalidAccount.NotFound":
		return notFound, "The specified parameter AddAccount.n or RemoveAccount.n does not exist.", true
	case "InvalidAccount.Forbbiden": // sic: the service spells it this way
		return notFound, "The specified account does not yourself.", true
	case "InvalidAccount.Forbidden": // the correct spelling, also reported by the service
		return notFound, "The specified account does not yourself.", true
	case "OperationConflict":
		return http.StatusConflict, "The operation conflicts with another operation on the resource; try again later.", true
	case "QuotaExceed.ShareImageUser":
		return forbidden, "The shared image user quota exceeds.", true
	case "QuotaExceed.ShareImage":
		// The account-level limit on images shared, not the per-image one.
		return forbidden, "The shared Image Quota exceeds.", true
	case "IncorrectImageStatus":
		return bad, "The image is not available.", true
	case "OperationDenied.InvalidImageStatus":
		return forbidden, "The operation is not allowed in the current image status.", true
	case "InvalidOperation.ServiceKeyEncryptedImageUnsupported":
		return forbidden, "Images encrypted with the service key cannot be shared; copy the image encrypted with a customer master key.", true
	case "OperationDeined.EncryptedSnapshot": // sic
		return forbidden, "The image contains encrypted snapshots, which do not support share.", true
	case "OperationDeined.FullImage": // sic
		return forbidden, "The encrypted image contains multiple snapshots, which do not support share.", true
	case "InvalidGroup.Malformed":
		return bad, "The specified group is malformed.", true
	case "UnnecessaryParameter.LaunchPermission":
		return bad, "The parameter LaunchPermission is unnecessary.", true
	case "InvalidParameter.LaunchPermission":
		return bad, "The specified parameter LaunchPermission is not valid.", true
	case "ForbiddenParameter.LaunchPermission":
		return bad, "The parameter LaunchPermission is not allowed.", true
	case "AssumeRoleError":
		return forbidden, "Failed to assume the role AliyunECSShareEncryptImageDefaultRole.", true
	case "ImageDescription.ContainsSensitiveWords":
		return forbidden, "The image description contains sensitive words.", true
	case "ImageName.ContainsSensitiveWords":
		return forbidden, "The image name contains sensitive words.", true
	case "Image.Public":
		return forbidden, "The image is already public.", true
	case "CurrentRegion.NotSupportPublicImage":
		return forbidden, "The current region does not support public images.", true
	case "Image.NotPublic":
		return forbidden, "The image is not public.", true
	case "InvalidImageId.BidMismatch":
		// About a target account of the other site (China vs international).
		return forbidden, "Cannot share image with other bid user.", true
	case "PublicImageAgreement.NotSigned":
		return forbidden, "The public image agreement is not signed.", true
	case "InvalidParameter.IsPublic":
		return forbidden, "The specified parameter IsPublic is not valid.", true
	case "InvalidParameter.KMSKeyId.CMKUnauthorized":
		return forbidden, "The CMK(Customer Master Key) lacks authorization to add tags to the ECS service.", true
	case "InvalidParameter.KMSKeyId.CMKNotEnabled":
		return forbidden, "The customer master key is not enabled.", true

	// CopyImage (current reference, docs/copyimage-errors.md). Codes shared
	// with other calls (InvalidImageId.NotFound, IncorrectImageStatus,
	// OperationDeined.EncryptedSnapshot, InternalError, ...) keep their one
	// status above, as the reference gives them for CopyImage too, except
	// KMSKeyId.CMKUnauthorized and CMKNotEnabled, already 403 above.
	case "InvalidDescription.Malformed":
		return bad, "The specified destination description is wrongly formed.", true
	case "SourceRegion.NotFound":
		return bad, "The source region not found.", true
	case "DestinationRegion.NotFound":
		return bad, "The destination region not found.", true
	case "InvalidSnapshotId.NotFound":
		return bad, "The specified SnapshotId does not exist.", true
	case "InvalidImageName.Duplicated":
		return bad, "The specified image name is already in use in the target region. Please try a different one.", true
	case "InvalidParameter.EncryptedIllegal":
		return bad, "The specified parameter Encrypted must be true when kmsKeyId is not empty.", true
	case "InvalidEncrypted.NotMatchEncryptAlgorithm":
		return bad, "The specified parameter Encrypted must be true when EncryptAlgorithm is not empty.", true
	case "InvalidEncryptAlgorithm":
		return bad, "The specified parameter EncryptAlgorithm is not valid.", true
	case "InvalidEncrypted.NotMatchKmsKeyId":
		return bad, "The specified parameter Encrypted must be true when KmsKeyId is not empty.", true
	case "OperationDenied.CommunityImage":
		return bad, "Community image does not support copy.", true
	case "InvalidImageName.Malformed":
		return bad, "The specified destination image name is wrongly formed.", true
	case "InvalidParameter.KmsNotEnabled":
		return bad, "The specified operation need enable KMS.", true
	case "OperationDenied.ImageCopyConflict":
		return bad, "The same image cannot be copied concurrently. Please wait until the last copy is completed before performing the next operation.", true
	case "Account.Arrearage":
		return bad, "Your account has an outstanding payment.", true
	case "InvalidAliUid.IsNull":
		return http.StatusUnauthorized, "The aliUid must not be null.", true
	case "Forbbiden": // sic, as CopyImage's table spells it
		return forbidden, "User not authorized to operate on the specified resource.", true
	case "QuotaExceed.Image":
		return forbidden, "The number of images exceeds the limit.", true
	case "QuotaExceed.Snapshot":
		return forbidden, "The snapshot quota exceeds.", true
	case "OperationDenied.ImageCopying":
		return forbidden, "The image is currently being copied. Please try again later.", true
	case "RegionNotSupportCopy":
		return forbidden, "The region not support copy.", true
	case "InvalidSnapshot.TooOld":
		return forbidden, "This operation is denied because the specified snapshot is created before 2013-07-15.", true
	case "OperationDenied":
		return forbidden, "The specified snapshot is not allowed to create image.", true
	case "IncorrectDestinationRegion":
		return forbidden, "The destination region is not equal the target region.", true
	case "OperationDenied.SameRegionOnly":
		return forbidden, "The image shared from others can not be copied to another region directly.", true
	case "OperationDenied.NotPublished":
		return forbidden, "The operation is denied because corresponding marketplace image is not published in destination region.", true
	case "OperationDenied.NotAuthorized":
		return forbidden, "The operation is denied because corresponding marketplace image is not authorized to current user.", true
	case "OperationDenied.EncryptSnapshotAcrossRegion":
		return forbidden, "The image do not contain encrypted snapshots, which do not support copying to encrypted ones.", true
	case "InvalidParameter.KMSKeyId.KMSUnauthorized":
		return forbidden, "ECS service have no right to access your KMS.", true
	case "InvalidRegion.NotSupport":
		return forbidden, "The specified region does not support byok.", true
	case "UserNotInTheWhiteList":
		return forbidden, "The user is not in byok white list.", true
	case "InvalidRegionId.NotSupportEncryptAlgorithm":
		return forbidden, "The current region does not support creating encrypted disks with EncryptAlgorithm.", true
	case "OperationDenied.KmsServiceUnauthorized":
		return forbidden, "The account is not authorized to kms service, please authorize it.", true
	case "OperationDenied.NonCompliantDestinationRegion":
		return forbidden, "The copy operation to the destination region is not in compliance with regulations.", true
	case "InvalidEncrypted.NotMatchDiskDefaultEncryption":
		return forbidden, "The specified parameter Encrypted not match for your account default encryption settings.", true
	case "InvalidParameter.DataEncryptedKeyCreateFailed":
		return forbidden, "Create kms data encrypted key fail.", true
	case "SizeExceed.Image":
		return forbidden, "The image exceeds the maximum size.", true
	case "InvalidOperation.VhdImageUnsupported":
		return forbidden, "The specified vhd image is not supported for this operation. Please switch to a raw image and retry.", true
	case "InvalidOperation.CloudBoxImageCopyUnsupported":
		return forbidden, "Copying CloudBox images is not supported.", true
	case "InvalidParameter.KMSKeyId.NotFound":
		return notFound, "The specified KMSKeyId does not exist.", true
	case "InvalidResourceGroup.NotFound":
		return notFound, "The ResourceGroup provided does not exist in our records.", true
	case "InvalidOperation.Conflict":
		return http.StatusConflict, "Request was denied due to conflict with a previous request, please try again later.", true

	// ListTagResources.
	case "InvalidResourceType.NotFound":
		return bad, "The ResourceType provided does not exist in our records.", true
	case "NumberExceed.ResourceIds":
		return bad, "The maximum number of ResourceIds is exceeded. The maximum is 50.", true
	case "NumberExceed.Tags":
		return bad, "The maximum number of Tags is exceeded. The maximum is 20.", true
	case "InvalidParameter.TagValue":
		return bad, "The Tag.N.Value parameter cannot be specified without Tag.N.Key.", true
	case "InvalidNextToken":
		return bad, "The specified NextToken is not valid.", true
	}
	return rpcerr.Common(code)
}

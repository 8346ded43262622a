// Command hello is a tiny go1 function for fcrt's tests: it runs under the
// real fc-runtime-go-sdk and does what each event's "mode" asks.
package main

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aliyun/fc-runtime-go-sdk/fc"
	"github.com/aliyun/fc-runtime-go-sdk/fccontext"
)

// Event is the payload.
type Event struct {
	// Mode: echo (default), error, panic, hang, rendezvous.
	Mode    string `json:"mode"`
	Message string `json:"message"`
	// Parties: for rendezvous, how many invocations must be in flight at
	// once before any of them answers.
	Parties int `json:"parties"`
}

// Reply echoes the event and what the function saw of its context.
type Reply struct {
	Message         string `json:"message"`
	RequestID       string `json:"requestId"`
	AccessKeyID     string `json:"accessKeyId"`
	AccessKeySecret string `json:"accessKeySecret"`
	SecurityToken   string `json:"securityToken"`
	AccountID       string `json:"accountId"`
	Region          string `json:"region"`
	FunctionName    string `json:"functionName"`
	Handler         string `json:"handler"`
	Memory          string `json:"memory"`
	TimeoutSeconds  int    `json:"timeoutSeconds"`
	ServiceName     string `json:"serviceName"`
	Qualifier       string `json:"qualifier"`
	RetryCount      int    `json:"retryCount"`
	DeadlineUnixMs  int64  `json:"deadlineUnixMs"`
	Initialized     bool   `json:"initialized"`
}

func main() {
	var initialized atomic.Bool
	var (
		mu      sync.Mutex
		arrived int
		cond    = sync.NewCond(&mu)
	)
	// rendezvous waits until parties invocations are in here together; the
	// SDK serving them one at a time would leave it waiting until the deadline.
	rendezvous := func(ctx context.Context, parties int) error {
		stop := context.AfterFunc(ctx, func() {
			mu.Lock()
			defer mu.Unlock()
			cond.Broadcast()
		})
		defer stop()
		mu.Lock()
		defer mu.Unlock()
		arrived++
		cond.Broadcast()
		for arrived < parties && ctx.Err() == nil {
			cond.Wait()
		}
		return ctx.Err()
	}

	fc.RegisterInitializerFunction(func(ctx context.Context) { initialized.Store(true) })
	fc.Start(func(ctx context.Context, ev Event) (Reply, error) {
		switch ev.Mode {
		case "error":
			return Reply{}, errors.New(ev.Message)
		case "panic":
			panic(ev.Message)
		case "hang":
			time.Sleep(time.Hour) // ignores its deadline, as a stuck function would
		case "rendezvous":
			if err := rendezvous(ctx, ev.Parties); err != nil {
				return Reply{}, err
			}
		}
		fctx, _ := fccontext.FromContext(ctx)
		deadline, _ := ctx.Deadline()
		return Reply{
			Message:         ev.Message,
			RequestID:       fctx.RequestID,
			AccessKeyID:     fctx.Credentials.AccessKeyId,
			AccessKeySecret: fctx.Credentials.AccessKeySecret,
			SecurityToken:   fctx.Credentials.SecurityToken,
			AccountID:       fctx.AccountId,
			Region:          fctx.Region,
			FunctionName:    fctx.Function.Name,
			Handler:         fctx.Function.Handler,
			Memory:          fctx.Function.Memory,
			TimeoutSeconds:  fctx.Function.Timeout,
			ServiceName:     fctx.Service.Name,
			Qualifier:       fctx.Service.Qualifier,
			RetryCount:      fctx.RetryCount,
			DeadlineUnixMs:  deadline.UnixMilli(),
			Initialized:     initialized.Load(),
		}, nil
	})
}

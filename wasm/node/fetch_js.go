//go:build js && wasm

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"syscall/js"
	"time"
)

// fetchClient is the tab's node.HTTPClient: each request goes through the
// browser's fetch, so the program does not carry Go's own HTTP transport
// (its TLS and HTTP/2 code were most of node.wasm). The request's context
// aborts the fetch; a request without a deadline gets fetchTimeout.
type fetchClient struct{}

// fetchTimeout bounds a request whose context has no deadline, as the
// native client's 30-second timeout does.
const fetchTimeout = 30 * time.Second

// maxFetchBody bounds an answer's body read into memory.
const maxFetchBody = 256 << 20

// awaitPromise waits for a JS promise: its value, or its rejection as an error.
func awaitPromise(ctx context.Context, p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	done := make(chan result, 1)
	then := js.FuncOf(func(_ js.Value, args []js.Value) any {
		v := js.Undefined()
		if len(args) > 0 {
			v = args[0]
		}
		done <- result{v: v}
		return nil
	})
	catch := js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := "rejected"
		if len(args) > 0 && args[0].Truthy() {
			msg = args[0].Call("toString").String()
		}
		done <- result{err: errors.New(msg)}
		return nil
	})
	release := func() {
		then.Release()
		catch.Release()
	}
	p.Call("then", then, catch)
	select {
	case r := <-done:
		release()
		return r.v, r.err
	case <-ctx.Done():
		// The promise settles later (the abort rejects it); its callbacks
		// must outlive this call: release them then, not now.
		go func() {
			<-done
			release()
		}()
		return js.Undefined(), ctx.Err()
	}
}

// Do implements node.HTTPClient.
func (fetchClient) Do(req *http.Request) (resp *http.Response, err error) {
	defer func() { // a JS exception is an error here, not a crash of the node
		if r := recover(); r != nil {
			resp, err = nil, fmt.Errorf("fetch %s %s: %v", req.Method, req.URL, r)
		}
	}()
	ctx := req.Context()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, fetchTimeout)
		defer cancel()
	}
	abort := js.Global().Get("AbortController").New()
	stop := context.AfterFunc(ctx, func() { abort.Call("abort") })
	defer stop()

	init := js.Global().Get("Object").New()
	init.Set("method", req.Method)
	init.Set("signal", abort.Get("signal"))
	headers := js.Global().Get("Headers").New()
	for k, vs := range req.Header {
		for _, v := range vs {
			headers.Call("append", k, v)
		}
	}
	init.Set("headers", headers)
	if req.Body != nil && req.Method != http.MethodGet && req.Method != http.MethodHead {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("fetch %s %s: reading the body: %w", req.Method, req.URL, err)
		}
		u8 := js.Global().Get("Uint8Array").New(len(body))
		js.CopyBytesToJS(u8, body)
		init.Set("body", u8)
	}
	r, err := awaitPromise(ctx, js.Global().Call("fetch", req.URL.String(), init))
	if err != nil {
		return nil, fmt.Errorf("fetch %s %s: %w", req.Method, req.URL, err)
	}
	buf, err := awaitPromise(ctx, r.Call("arrayBuffer"))
	if err != nil {
		return nil, fmt.Errorf("fetch %s %s: reading the answer: %w", req.Method, req.URL, err)
	}
	u8 := js.Global().Get("Uint8Array").New(buf)
	if n := u8.Get("length").Int(); n > maxFetchBody {
		return nil, fmt.Errorf("fetch %s %s: an answer of %d bytes, max %d", req.Method, req.URL, n, maxFetchBody)
	}
	data := make([]byte, u8.Get("length").Int())
	js.CopyBytesToGo(data, u8)

	status := r.Get("status").Int()
	resp = &http.Response{
		Status:        strconv.Itoa(status) + " " + r.Get("statusText").String(),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{},
		Body:          io.NopCloser(bytes.NewReader(data)),
		ContentLength: int64(len(data)),
		Request:       req,
	}
	each := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) >= 2 {
			resp.Header.Add(args[1].String(), args[0].String())
		}
		return nil
	})
	r.Get("headers").Call("forEach", each) // synchronous
	each.Release()
	return resp, nil
}

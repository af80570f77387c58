// Package api is onboard-server's HTTP side apart from the registration pages: the
// JSON sync API under /api/v1 (see package syncapi for the protocol), the health
// endpoint and the request log.
//
// Every /api/v1 request needs "Authorization: Bearer <operator token>"; an unknown
// or revoked token gets 401. Errors are JSON (syncapi.ErrorResponse) with a status
// that says whose fault it is. A push is applied in one database transaction
// (store.Push), so an error answer means nothing of it was committed, and a push
// repeated after a lost answer is answered with duplicates.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"onboard/internal/server/store"
	"onboard/internal/syncapi"
)

// handler serves /api/v1.
type handler struct {
	st  *store.Store
	log *slog.Logger
}

// New returns the handler of /api/v1/ on st. Store errors are logged to log.
func New(st *store.Store, log *slog.Logger) http.Handler {
	h := &handler{st: st, log: log}
	mux := http.NewServeMux()
	mux.Handle("/api/v1/me", capBody(MaxOtherBody, only(http.MethodGet, h.auth(h.me))))
	mux.Handle("/api/v1/push", capBody(MaxPushBody, only(http.MethodPost, h.auth(h.push))))
	mux.Handle("/api/v1/pull", capBody(MaxOtherBody, only(http.MethodGet, h.auth(h.pull))))
	mux.Handle("/api/v1/", capBody(MaxOtherBody, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no API endpoint %s", r.URL.Path))
	})))
	return noBodyOnGet(mux)
}

// The caps on request bodies. A body above its cap is answered 413 (before the token is
// checked when Content-Length says so, else as soon as the cap is read past) and never
// read further; GET requests may not have a body at all (400).
const (
	// MaxPushBody caps a POST /api/v1/push body: syncapi.MaxPushBytes (64 MiB),
	// enough for syncapi.MaxPushChanges changes.
	MaxPushBody = syncapi.MaxPushBytes
	// MaxOtherBody caps the body of every other /api/v1 request; none of them
	// reads one.
	MaxOtherBody = 4 << 10
)

// capBody answers 413 to a body that says it is larger than max and wraps r.Body in
// http.MaxBytesReader with max, so a handler's read fails past it.
func capBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			w.Header().Set("Connection", "close")
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", max))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}

// noBodyOnGet refuses GET and HEAD requests with a body (Content-Length above zero or
// chunked) with 400 before anything reads it.
func noBodyOnGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
			(r.ContentLength != 0 || len(r.TransferEncoding) > 0) {
			w.Header().Set("Connection", "close")
			writeError(w, http.StatusBadRequest, fmt.Sprintf("%s %s takes no request body", r.Method, r.URL.Path))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // a failed write means the client is gone
}

// writeError answers with a syncapi.ErrorResponse.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, syncapi.ErrorResponse{Error: msg})
}

// only refuses other methods than method with 405.
func only(method string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method {
			w.Header().Set("Allow", method)
			writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s needs %s, not %s", r.URL.Path, method, r.Method))
			return
		}
		next.ServeHTTP(w, r)
	})
}

type operatorKey struct{}

// auth admits requests with a valid operator token and passes the operator on.
func (h *handler) auth(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, found := strings.Cut(r.Header.Get("Authorization"), " ")
		if !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="onboard"`)
			writeError(w, http.StatusUnauthorized, "an operator token is required: Authorization: Bearer <token>")
			return
		}
		op, err := h.st.Authenticate(r.Context(), strings.TrimSpace(token))
		if errors.Is(err, store.ErrUnauthorized) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="onboard", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "the operator token is unknown or revoked")
			return
		}
		if err != nil {
			h.fail(w, r, "authenticate", err)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), operatorKey{}, op)))
	})
}

func operator(r *http.Request) *store.Operator {
	return r.Context().Value(operatorKey{}).(*store.Operator)
}

// fail logs a server-side error and answers 500, or 503 when the client gave up.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	if r.Context().Err() != nil {
		writeError(w, http.StatusServiceUnavailable, "the request was cancelled")
		return
	}
	h.log.LogAttrs(r.Context(), slog.LevelError, "api: "+what+" failed", slog.String("path", r.URL.Path), slog.Any("error", err))
	writeError(w, http.StatusInternalServerError, fmt.Sprintf("the server could not %s; nothing was changed, try again", what))
}

func (h *handler) me(w http.ResponseWriter, r *http.Request) {
	op := operator(r)
	org, err := h.st.Organization(r.Context())
	if err != nil {
		h.fail(w, r, "read the organization", err)
		return
	}
	perms := op.PermissionList()
	if perms == nil {
		perms = []syncapi.Permission{}
	}
	writeJSON(w, http.StatusOK, syncapi.Me{Operator: op.Name, Permissions: perms, Organization: org.Name})
}

func (h *handler) push(w http.ResponseWriter, r *http.Request) {
	var req syncapi.PushRequest
	dec := json.NewDecoder(r.Body) // capped at MaxPushBody by capBody
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge,
				fmt.Sprintf("the push is larger than %d bytes; split the batch", MaxPushBody))
			return
		}
		writeError(w, http.StatusBadRequest, "the body is not a push request: "+err.Error())
		return
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, "the body has data after the push request")
		return
	}
	if len(req.Changes) > syncapi.MaxPushChanges {
		writeError(w, http.StatusRequestEntityTooLarge,
			fmt.Sprintf("the push has %d changes, at most %d are allowed; split the batch", len(req.Changes), syncapi.MaxPushChanges))
		return
	}
	results, err := h.st.Push(r.Context(), operator(r), req.Changes)
	if err != nil {
		h.fail(w, r, "apply the push", err)
		return
	}
	if results == nil {
		results = []syncapi.Result{}
	}
	writeJSON(w, http.StatusOK, syncapi.PushResponse{Results: results})
}

func (h *handler) pull(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	cursor, limit := int64(0), syncapi.DefaultPullLimit
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("cursor %q is not a number ≥ 0", v))
			return
		}
		cursor = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit %q is not a number ≥ 1", v))
			return
		}
		limit = min(n, syncapi.MaxPullLimit)
	}
	page, err := h.st.Pull(r.Context(), cursor, limit)
	if err != nil {
		h.fail(w, r, "read the changes", err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

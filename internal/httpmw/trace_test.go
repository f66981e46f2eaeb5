package httpmw

import (
	"net/http"
	"reflect"
	"testing"
)

// Tracing off, Trace adds no handler at all.
func TestTraceOffIsNext(t *testing.T) {
	next := http.NotFoundHandler()
	if got := Trace(nil, next); reflect.ValueOf(got).Pointer() != reflect.ValueOf(next).Pointer() {
		t.Error("Trace(nil, next) wraps next")
	}
}

package provider

import (
	"context"
	"io"
	"os"
	"reflect"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// BenchmarkPlanResourceChangeLogging measures one PlanResourceChange RPC as
// Terraform makes it: through terraform-plugin-go's gRPC server (which sets up
// the SDK loggers for every request and writes the protocol's trace lines)
// and the framework (which writes its own). The SDK's log lines go to a pipe
// drained by a goroutine, as the plugin's stderr is when Terraform runs it.
//
// "sdk-default" is a run with no TF_LOG* variable set: the SDK loggers default
// to TRACE and every line is encoded and written, though Terraform then drops
// it. "sdk-off" is the same with TF_LOG_SDK, TF_LOG_SDK_PROTO and
// TF_LOG_SDK_FRAMEWORK set to OFF, which is what main sets when nobody asked
// for logs (see quietSDKLogs).
func BenchmarkPlanResourceChangeLogging(b *testing.B) {
	for _, c := range []struct {
		name string
		env  map[string]string
	}{
		{"sdk-default", nil},
		{"sdk-off", map[string]string{"TF_LOG_SDK": "OFF", "TF_LOG_SDK_PROTO": "OFF", "TF_LOG_SDK_FRAMEWORK": "OFF"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for _, k := range []string{"TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO_DATA_DIR"} {
				b.Setenv(k, "")
				if err := os.Unsetenv(k); err != nil {
					b.Fatal(err)
				}
			}
			for k, v := range c.env {
				b.Setenv(k, v)
			}
			written := captureStderr(b)

			plan, req := planRPC(b)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				out := plan.Call([]reflect.Value{reflect.ValueOf(ctx), req})
				if err, _ := out[1].Interface().(error); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(written())/float64(b.N), "logB/op")
		})
	}
}

// captureStderr points os.Stderr at a pipe that a goroutine drains, as
// go-plugin's does, and returns a function that reports the bytes written.
func captureStderr(b *testing.B) func() int64 {
	b.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	n := make(chan int64, 1)
	go func() {
		c, _ := io.Copy(io.Discard, r)
		n <- c
	}()
	var total int64
	var once sync.Once
	finish := func() int64 {
		once.Do(func() {
			os.Stderr = saved
			_ = w.Close()
			total = <-n
			_ = r.Close()
		})
		return total
	}
	b.Cleanup(func() { finish() })
	return finish
}

// planRPC returns the gRPC server's PlanResourceChange method and a request
// that plans a new dockertls_ca. The server's request types are internal to
// terraform-plugin-go, so the request is built through protobuf reflection.
func planRPC(b *testing.B) (reflect.Value, reflect.Value) {
	b.Helper()
	ctx := context.Background()
	downstream := New("bench")()
	schemas, err := downstream.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || len(schemas.Diagnostics) > 0 {
		b.Fatalf("GetProviderSchema: %v %v", err, schemas.Diagnostics)
	}
	providerConfig := dynamicValue(b, tftypes.NewValue(schemas.Provider.ValueType(), nil), schemas.Provider.ValueType())
	configured, err := downstream.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: providerConfig})
	if err != nil || len(configured.Diagnostics) > 0 {
		b.Fatalf("ConfigureProvider: %v %v", err, configured.Diagnostics)
	}

	typ := schemas.ResourceSchemas["dockertls_ca"].ValueType().(tftypes.Object)
	attrs := map[string]tftypes.Value{}
	for name, t := range typ.AttributeTypes {
		attrs[name] = tftypes.NewValue(t, nil)
	}
	attrs["organization"] = tftypes.NewValue(tftypes.String, "Example Corp")
	config := tftypes.NewValue(typ, attrs)

	server := reflect.ValueOf(tf6server.New("registry.terraform.io/dockertls/dockertls", downstream, tf6server.WithoutLogStderrOverride()))
	plan := server.MethodByName("PlanResourceChange")
	req := reflect.New(plan.Type().In(1).Elem())
	msg := req.Interface().(proto.Message).ProtoReflect()
	fields := msg.Descriptor().Fields()
	msg.Set(fields.ByName("type_name"), protoreflect.ValueOfString("dockertls_ca"))
	setDynamic := func(field string, v *tfprotov6.DynamicValue) {
		dv := msg.NewField(fields.ByName(protoreflect.Name(field))).Message()
		dv.Set(dv.Descriptor().Fields().ByName("msgpack"), protoreflect.ValueOfBytes(v.MsgPack))
		msg.Set(fields.ByName(protoreflect.Name(field)), protoreflect.ValueOfMessage(dv))
	}
	setDynamic("prior_state", dynamicValue(b, tftypes.NewValue(typ, nil), typ))
	setDynamic("config", dynamicValue(b, config, typ))
	setDynamic("proposed_new_state", dynamicValue(b, config, typ))

	// One call outside the timer: it must plan without diagnostics.
	out := plan.Call([]reflect.Value{reflect.ValueOf(ctx), req})
	if err, _ := out[1].Interface().(error); err != nil {
		b.Fatal(err)
	}
	resp := out[0].Interface().(proto.Message).ProtoReflect()
	if diags := resp.Get(resp.Descriptor().Fields().ByName("diagnostics")).List(); diags.Len() > 0 {
		b.Fatalf("PlanResourceChange diagnostics: %v", diags)
	}
	return plan, req
}

func dynamicValue(b *testing.B, v tftypes.Value, t tftypes.Type) *tfprotov6.DynamicValue {
	b.Helper()
	dv, err := tfprotov6.NewDynamicValue(t, v)
	if err != nil {
		b.Fatal(err)
	}
	return &dv
}

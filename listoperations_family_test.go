package iamkit_test

import (
	"reflect"
	"testing"

	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/iam/yandex"
)

// TestListOperationsRequestFamily: the operation-based providers name the
// resource of ListOperationsRequest alike: ResourceID, as Nebius's
// resource_id (Yandex's path parameter is the resource's own ID: apiKeyId,
// accessKeyId, keyId).
func TestListOperationsRequestFamily(t *testing.T) {
	for _, typ := range []reflect.Type{
		reflect.TypeFor[nebius.ListOperationsRequest](),
		reflect.TypeFor[yandex.ListOperationsRequest](),
	} {
		if f, ok := typ.FieldByName("ResourceID"); !ok || f.Type.Kind() != reflect.String {
			t.Errorf("%s has no ResourceID string field", typ)
		}
		if _, ok := typ.FieldByName("ID"); ok {
			t.Errorf("%s still has an ID field", typ)
		}
	}
}

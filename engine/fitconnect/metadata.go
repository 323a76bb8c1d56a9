package fitconnect

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// MetadataVersion is the version of the FIT-Connect metadata schema this package sends.
const MetadataVersion = "1.0.0"

// MetadataSchemaID is the $id of the embedded metadata schema.
const MetadataSchemaID = "https://schema.fitko.de/fit-connect/metadata/1.0.0/metadata.schema.json"

// LeikaURNPrefix prefixes a LeiKa key in serviceType.identifier and
// metadata.publicServiceType.identifier.
const LeikaURNPrefix = "urn:de:fim:leika:leistung:"

//go:embed schema/metadata.schema.v1.0.0.json
var metadataSchemaJSON []byte

var (
	metadataSchemaOnce sync.Once
	metadataSchema     *jsonschema.Schema
	metadataSchemaErr  error
)

// MetadataSchema returns the official metadata schema 1.0.0, compiled with format assertions.
func MetadataSchema() (*jsonschema.Schema, error) {
	metadataSchemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(metadataSchemaJSON))
		if err != nil {
			metadataSchemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource(MetadataSchemaID, doc); err != nil {
			metadataSchemaErr = err
			return
		}
		metadataSchema, metadataSchemaErr = c.Compile(MetadataSchemaID)
	})
	return metadataSchema, metadataSchemaErr
}

// ValidateMetadata validates a metadata record against the official schema 1.0.0. The error
// names the failing places (JSON pointers and keywords), never values.
func ValidateMetadata(metadata []byte) error {
	sch, err := MetadataSchema()
	if err != nil {
		return fmt.Errorf("metadata schema: %w", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(metadata))
	if err != nil {
		return errors.New("metadata is not JSON")
	}
	if err := sch.Validate(v); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return fmt.Errorf("metadata does not follow schema %s: %s", MetadataVersion, strings.Join(leafPlaces(ve, nil), ", "))
		}
		return err
	}
	return nil
}

// leafPlaces lists where the innermost validation errors are, as "pointer (keyword)".
func leafPlaces(ve *jsonschema.ValidationError, out []string) []string {
	if len(ve.Causes) == 0 {
		kw := ""
		if ve.ErrorKind != nil {
			kw = strings.Join(ve.ErrorKind.KeywordPath(), "/")
		}
		return append(out, "/"+strings.Join(ve.InstanceLocation, "/")+" ("+kw+")")
	}
	for _, c := range ve.Causes {
		out = leafPlaces(c, out)
	}
	return out
}

// Metadata is the part of the FIT-Connect metadata record that ozgform fills in.
type Metadata struct {
	ContentStructure  json.RawMessage    `json:"contentStructure"`
	PublicServiceType *PublicServiceType `json:"publicServiceType,omitempty"`
}

// PublicServiceType names the Verwaltungsleistung (metadata.publicServiceType, and
// serviceType of a new submission).
type PublicServiceType struct {
	Name       string `json:"name"`
	Identifier string `json:"identifier"`
}

// envelopeParts is what the sender takes from the ozgform envelope.
type envelopeParts struct {
	Form struct {
		Title    string  `json:"title"`
		LeikaKey *string `json:"leikaKey"`
	} `json:"form"`
	Data     json.RawMessage `json:"data"`
	Metadata struct {
		ContentStructure json.RawMessage `json:"contentStructure"`
	} `json:"metadata"`
}

// fromEnvelope returns the data (the envelope's data bytes, unchanged), the metadata record
// and the service type of a submission, from its envelope. The envelope's metadata block
// already follows FIT-Connect's contentStructure: the hashes are those of the unencrypted
// data and files.
func fromEnvelope(envelope []byte) (data, metadata []byte, svc PublicServiceType, err error) {
	var env envelopeParts
	if err := json.Unmarshal(envelope, &env); err != nil {
		return nil, nil, svc, fmt.Errorf("envelope: %w", err)
	}
	if env.Form.LeikaKey == nil || *env.Form.LeikaKey == "" {
		return nil, nil, svc, errNoLeika
	}
	svc = PublicServiceType{Name: env.Form.Title, Identifier: LeikaURNPrefix + *env.Form.LeikaKey}
	metadata, err = json.Marshal(Metadata{ContentStructure: env.Metadata.ContentStructure, PublicServiceType: &svc})
	if err != nil {
		return nil, nil, svc, err
	}
	return env.Data, metadata, svc, nil
}

var errNoLeika = errors.New("the form names no LeiKa key (manifest leika), which FIT-Connect needs as the service type")

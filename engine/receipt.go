package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ozgform/ozgform/forms"
)

// SubmissionData turns a form's data into what a submission stores, exactly as Submit does:
// the values of hidden fields dropped, blank optional answers dropped, the rest validated
// and written as canonical JSON (object keys sorted, no HTML escaping, compact). When the
// data is invalid it returns the errors and no JSON. The sample receipt of `ozgform receipt`
// and the tests that predict a submission's DataHash use it, so that they hash the same bytes
// as a real submission.
func SubmissionData(form *forms.Form, data any) (json.RawMessage, []FieldError, error) {
	const op = "engine.SubmissionData"
	pruned, _ := form.Prune(data)
	if _, ok := pruned.(map[string]any); !ok {
		pruned = map[string]any{}
	}
	dropBlankOptional(form, pruned)
	if errs := validatePruned(form, pruned); len(errs) > 0 {
		return nil, errs, nil
	}
	canon, err := encodeData(pruned)
	if err != nil {
		return nil, nil, E(KindInternal, op, err)
	}
	return canon, nil, nil
}

// ReceiptPayloadHash is the hash a submission's receipt shows ("Prüfsumme der übermittelten
// Daten (SHA-512)"): the hex SHA-512 of the submitted data, Submission.Data, byte for byte.
//
// It is the same value as the envelope's metadata.contentStructure.data.hash.content (the
// FIT-Connect data hash), and the envelope embeds the data byte for byte, so a back office
// verifies a receipt against a delivery with VerifyEnvelopeData, or with any JSON library that
// can hand out the raw bytes of "data". It is deliberately not the hash of the whole
// envelope: the envelope refers to the receipt by hash, so the receipt cannot name the
// envelope that contains it; and the envelope also holds the operator's base URL and the
// authority's address, which may change, while a receipt rebuilt years later from the
// committed row must give the same bytes.
func ReceiptPayloadHash(s *Submission) string { return SHA512Hex(s.Data) }

// VerifyEnvelopeData checks the data hash of an envelope as a back office receives it: the
// SHA-512 over the bytes of "data", exactly as they stand in the envelope, must equal
// metadata.contentStructure.data.hash.content. It returns that hash, which is the one the
// receipt PDF shows (see ReceiptPayloadHash).
func VerifyEnvelopeData(envelope []byte) (string, error) {
	var env struct {
		Data     json.RawMessage `json:"data"`
		Metadata struct {
			ContentStructure struct {
				Data struct {
					Hash Digest `json:"hash"`
				} `json:"data"`
			} `json:"contentStructure"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(envelope, &env); err != nil {
		return "", fmt.Errorf("the envelope is not JSON: %w", err)
	}
	want := env.Metadata.ContentStructure.Data.Hash
	switch {
	case len(bytes.TrimSpace(env.Data)) == 0:
		return "", errors.New("the envelope has no data")
	case want.Type != HashTypeSHA512:
		return "", fmt.Errorf("the data hash is of type %q, not %q", want.Type, HashTypeSHA512)
	}
	// json.Unmarshal hands a RawMessage the value's bytes unchanged: no re-encoding.
	if got := SHA512Hex(env.Data); got != want.Content {
		return "", fmt.Errorf("the data hash %s does not match the data (SHA-512 %s)", want.Content, got)
	}
	return want.Content, nil
}

// Package fitconnecttest is an in-process FIT-Connect for tests: the token endpoint, the
// Submission API's sender endpoints (destinations, keys, submissions, attachments, event log,
// the service's JWKS) and an authority behind the destination that decrypts what arrives,
// checks it and accepts or rejects it.
//
// It has its own RSA-4096 keys (encryption key of the destination, the destination's signature
// key, the service's signature key) with certificates from its own test CA (CAPEM is the trust
// anchor a client configures). What it checks:
//
//   - the client credentials and the bearer token (401 otherwise; tokens expire after TokenTTL);
//   - POST /v1/submissions: the destination id, serviceType {name, identifier} among the
//     destination's services, announcedAttachments unique UUIDs;
//   - PUT …/attachments/{id}: Content-Type application/jose, the attachment announced (422
//     otherwise), the submission not yet submitted (409), a JWE compact serialisation with alg
//     RSA-OAEP-256, enc A256GCM and the destination's kid, which it decrypts;
//   - PUT /v1/submissions/{id}: every announced attachment uploaded (422 "missing attachments"
//     otherwise), encryptedMetadata and encryptedData JWEs; then the authority decrypts both,
//     validates the metadata against the official schema 1.0.0, recomputes the SHA-512 of the
//     data and of every attachment against the metadata, checks that the metadata lists exactly
//     the announced attachments and the service type, and publishes submit-submission (signed
//     by the service key) and accept-submission or reject-submission with the problems found
//     (signed by the destination's signature key), as Security Event Tokens (PS512).
//
// Knobs make it misbehave the way the real service or a misconfigured destination can.
package fitconnecttest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/ozgform/ozgform/engine/fitconnect"
)

// keys are made once per test process: RSA-4096 key generation takes a while.
type keySet struct {
	caKey, rogueKey             *ecdsa.PrivateKey
	ca, rogue                   *x509.Certificate
	enc, sig, service, short    *rsa.PrivateKey
	encCert, sigCert, shortCert []byte
	rogueEncCert                []byte
	caPEM                       []byte
}

var (
	keysOnce sync.Once
	keys     *keySet
)

func mustKeys() *keySet {
	keysOnce.Do(func() {
		k := &keySet{}
		var wg sync.WaitGroup
		gen := func(dst **rsa.PrivateKey, bits int) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key, err := rsa.GenerateKey(rand.Reader, bits)
				if err != nil {
					panic(err)
				}
				*dst = key
			}()
		}
		gen(&k.enc, 4096)
		gen(&k.sig, 4096)
		gen(&k.service, 4096)
		gen(&k.short, 2048)
		wg.Wait()
		k.caKey, k.ca = newCA("ozgform Test-CA (FIT-Connect fake)")
		k.rogueKey, k.rogue = newCA("Fremde CA")
		k.encCert = issue(k.ca, k.caKey, &k.enc.PublicKey, "encryption")
		k.sigCert = issue(k.ca, k.caKey, &k.sig.PublicKey, "signature")
		k.shortCert = issue(k.ca, k.caKey, &k.short.PublicKey, "short")
		k.rogueEncCert = issue(k.rogue, k.rogueKey, &k.enc.PublicKey, "encryption")
		k.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.ca.Raw})
		keys = k
	})
	return keys
}

func newCA(name string) (*ecdsa.PrivateKey, *x509.Certificate) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(10 * 365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return key, cert
}

func issue(ca *x509.Certificate, caKey *ecdsa.PrivateKey, pub *rsa.PublicKey, name string) []byte {
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: "Testbehörde " + name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageKeyEncipherment | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, pub, caKey)
	if err != nil {
		panic(err)
	}
	return der
}

// Key ids the fake uses.
const (
	EncryptionKid = "enc-key-1"
	SignatureKid  = "sig-key-1"
	ServiceKid    = "service-key-1"
)

// Submission is what the fake knows about one FIT-Connect submission.
type Submission struct {
	ID, CaseID      string
	ServiceType     fitconnect.PublicServiceType
	Announced       []string
	Status          string            // created, submitted, accepted, rejected
	Attachments     map[string][]byte // decrypted, by attachment id
	AttachmentTypes map[string]string // cty of each attachment's JWE
	Metadata        []byte            // decrypted
	Data            []byte            // decrypted
	Problems        []string
	events          []string
}

// Server is the fake. Change the knobs under Lock/Unlock or before the first request.
type Server struct {
	*httptest.Server
	DestinationID string
	ClientID      string
	ClientSecret  string
	// CAPEM is the test CA's certificate: the trust anchor.
	CAPEM []byte

	mu sync.Mutex
	// Knobs.
	DestinationStatus string   // default active
	MetadataVersions  []string // default [1.0.0]
	Services          []string // service identifiers the destination accepts
	KeyOps            []string // key_ops of the encryption key; default [wrapKey]
	ShortKey          bool     // the encryption key has 2048 bits
	UntrustedChain    bool     // the encryption key's certificate comes from another CA
	BadEventSignature bool     // accept and reject events are signed with a key that is not the destination's
	Decide            bool     // the authority accepts or rejects at once (default true); else Decide(id)
	RejectAll         bool     // the authority rejects even a flawless submission
	// NoInspection makes the fake store what arrives without decrypting or checking it, and
	// accept every submission: for benchmarks of the sender, whose CPU time would otherwise
	// include the fake's RSA decryptions.
	NoInspection bool
	TokenTTL     time.Duration
	MaxBody      int64 // larger request bodies get 413; 0: no limit
	fail         map[string][]int
	delay        map[string]time.Duration

	tokens        map[string]time.Time
	TokenRequests int
	subs          map[string]*Submission
	order         []string
}

// New starts a fake that accepts the service identifiers services (e.g.
// "urn:de:fim:leika:leistung:99108011000000"). Close it when done.
func New(services ...string) *Server {
	k := mustKeys()
	s := &Server{
		DestinationID: uuid.NewString(), ClientID: "ozgform-test-client", ClientSecret: "test-secret-" + uuid.NewString(),
		CAPEM: k.caPEM, DestinationStatus: "active", MetadataVersions: []string{fitconnect.MetadataVersion},
		Services: services, KeyOps: []string{fitconnect.OpWrapKey}, Decide: true, TokenTTL: time.Hour,
		fail: map[string][]int{}, delay: map[string]time.Duration{}, tokens: map[string]time.Time{}, subs: map[string]*Submission{},
	}
	mux := http.NewServeMux()
	s.route(mux, "token", "POST /token", s.token, false)
	s.route(mux, "jwks", "GET /.well-known/jwks.json", s.jwks, false)
	s.route(mux, "destination", "GET /v1/destinations/{id}", s.destination, true)
	s.route(mux, "key", "GET /v1/destinations/{id}/keys/{kid}", s.key, true)
	s.route(mux, "create", "POST /v1/submissions", s.create, true)
	s.route(mux, "upload", "PUT /v1/submissions/{id}/attachments/{aid}", s.upload, true)
	s.route(mux, "submit", "PUT /v1/submissions/{id}", s.submit, true)
	s.route(mux, "events", "GET /v1/cases/{caseId}/events", s.events, true)
	s.Server = httptest.NewServer(mux)
	return s
}

// Lock and Unlock guard the knobs.
func (s *Server) Lock()   { s.mu.Lock() }
func (s *Server) Unlock() { s.mu.Unlock() }

// FailNext makes the next requests of route (token, jwks, destination, key, create, upload,
// submit, events) answer with the statuses, one each.
func (s *Server) FailNext(route string, statuses ...int) {
	s.mu.Lock()
	s.fail[route] = append(s.fail[route], statuses...)
	s.mu.Unlock()
}

// Delay makes every request of route wait d before it is answered.
func (s *Server) Delay(route string, d time.Duration) {
	s.mu.Lock()
	s.delay[route] = d
	s.mu.Unlock()
}

// TokenURL is the token endpoint.
func (s *Server) TokenURL() string { return s.URL + "/token" }

func (s *Server) route(mux *http.ServeMux, name, pattern string, h func(w http.ResponseWriter, r *http.Request), auth bool) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		d := s.delay[name]
		var status int
		if q := s.fail[name]; len(q) > 0 {
			status, s.fail[name] = q[0], q[1:]
		}
		s.mu.Unlock()
		if d > 0 {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		if status != 0 {
			problem(w, status, "injected failure")
			return
		}
		if auth && !s.authorised(r) {
			problem(w, http.StatusUnauthorized, "no valid access token")
			return
		}
		if s.MaxBody > 0 && r.ContentLength > s.MaxBody {
			problem(w, http.StatusRequestEntityTooLarge, "request body too large")
			return
		}
		h(w, r)
	})
}

func problem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"title": http.StatusText(status), "status": status, "detail": detail})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) authorised(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, known := s.tokens[tok]
	return ok && known && time.Now().Before(exp)
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	if r.PostForm.Get("client_id") != s.ClientID || r.PostForm.Get("client_secret") != s.ClientSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	tok := uuid.NewString()
	s.mu.Lock()
	s.TokenRequests++
	ttl := s.TokenTTL
	s.tokens[tok] = time.Now().Add(ttl)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": int(ttl.Seconds()), "scope": "send:region:DE"})
}

// ExpireTokens makes every token issued so far invalid (as after a restart of the service).
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	clear(s.tokens)
	s.mu.Unlock()
}

func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	k := mustKeys()
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.service.PublicKey, KeyID: ServiceKid, Algorithm: string(jose.PS512), Use: "sig"}}}
	writeJSON(w, http.StatusOK, set)
}

func (s *Server) destination(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("id") != s.DestinationID {
		problem(w, http.StatusNotFound, "destination not found")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var services []map[string]any
	for _, id := range s.Services {
		services = append(services, map[string]any{"identifier": id, "submissionSchemas": []any{}, "regions": []string{"DE"}})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"destinationId": s.DestinationID, "status": s.DestinationStatus, "services": services,
		"encryptionKid": EncryptionKid, "metadataVersions": s.MetadataVersions,
	})
}

func (s *Server) key(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("id") != s.DestinationID {
		problem(w, http.StatusNotFound, "destination not found")
		return
	}
	k := mustKeys()
	s.mu.Lock()
	defer s.mu.Unlock()
	var (
		pub  *rsa.PublicKey
		cert []byte
		ops  []string
		alg  string
	)
	switch r.PathValue("kid") {
	case EncryptionKid:
		pub, cert, ops, alg = &k.enc.PublicKey, k.encCert, s.KeyOps, string(jose.RSA_OAEP_256)
		if s.ShortKey {
			pub, cert = &k.short.PublicKey, k.shortCert
		}
		if s.UntrustedChain {
			cert = k.rogueEncCert
		}
	case SignatureKid:
		pub, cert, ops, alg = &k.sig.PublicKey, k.sigCert, []string{fitconnect.OpVerify}, string(jose.PS512)
	default:
		problem(w, http.StatusNotFound, "key not found")
		return
	}
	c, _ := x509.ParseCertificate(cert)
	b, err := (&jose.JSONWebKey{Key: pub, KeyID: r.PathValue("kid"), Algorithm: alg, Certificates: []*x509.Certificate{c}}).MarshalJSON()
	if err != nil {
		problem(w, http.StatusInternalServerError, err.Error())
		return
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	m["key_ops"] = ops
	writeJSON(w, http.StatusOK, m)
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var req struct {
		DestinationID        string                       `json:"destinationId"`
		AnnouncedAttachments []string                     `json:"announcedAttachments"`
		ServiceType          fitconnect.PublicServiceType `json:"serviceType"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		problem(w, http.StatusBadRequest, "body is not JSON")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case req.DestinationID != s.DestinationID:
		problem(w, http.StatusUnprocessableEntity, "unknown destinationId")
		return
	case req.ServiceType.Name == "" || !slices.Contains(s.Services, req.ServiceType.Identifier):
		problem(w, http.StatusUnprocessableEntity, "serviceType not accepted by the destination")
		return
	}
	seen := map[string]bool{}
	for _, id := range req.AnnouncedAttachments {
		if !uuidRE.MatchString(id) || seen[id] {
			problem(w, http.StatusUnprocessableEntity, "announcedAttachments must be unique UUIDs")
			return
		}
		seen[id] = true
	}
	sub := &Submission{
		ID: uuid.NewString(), CaseID: uuid.NewString(), ServiceType: req.ServiceType, Announced: req.AnnouncedAttachments,
		Status: "created", Attachments: map[string][]byte{}, AttachmentTypes: map[string]string{},
	}
	s.subs[sub.ID] = sub
	s.order = append(s.order, sub.ID)
	writeJSON(w, http.StatusCreated, map[string]string{"destinationId": s.DestinationID, "submissionId": sub.ID, "caseId": sub.CaseID})
}

// decrypt checks and decrypts a JWE as the authority does.
func decrypt(compact string) (plain []byte, cty string, err error) {
	obj, err := jose.ParseEncryptedCompact(compact, []jose.KeyAlgorithm{jose.RSA_OAEP_256}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		return nil, "", fmt.Errorf("not a JWE with RSA-OAEP-256 and A256GCM: %v", err)
	}
	if obj.Header.KeyID != EncryptionKid {
		return nil, "", fmt.Errorf("kid %q is not the destination's encryption key", obj.Header.KeyID)
	}
	cty, _ = obj.Header.ExtraHeaders[jose.HeaderContentType].(string)
	plain, err = obj.Decrypt(mustKeys().enc)
	if err != nil {
		return nil, "", fmt.Errorf("does not decrypt with the destination's key: %v", err)
	}
	return plain, cty, nil
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); ct != "application/jose" {
		problem(w, http.StatusUnsupportedMediaType, "Content-Type must be application/jose")
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		problem(w, http.StatusBadRequest, "body not read")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.subs[r.PathValue("id")]
	aid := r.PathValue("aid")
	switch {
	case sub == nil:
		problem(w, http.StatusNotFound, "submission not found")
		return
	case sub.Status != "created":
		problem(w, http.StatusConflict, "submission already submitted")
		return
	case !slices.Contains(sub.Announced, aid):
		problem(w, http.StatusUnprocessableEntity, "attachment was not announced")
		return
	}
	if s.NoInspection {
		sub.Attachments[aid] = nil
		w.WriteHeader(http.StatusNoContent)
		return
	}
	plain, cty, err := decrypt(string(body))
	if err != nil {
		problem(w, http.StatusUnprocessableEntity, "attachment: "+err.Error())
		return
	}
	sub.Attachments[aid], sub.AttachmentTypes[aid] = plain, cty
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request) {
	var req struct {
		EncryptedMetadata string `json:"encryptedMetadata"`
		EncryptedData     string `json:"encryptedData"`
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		problem(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
		return
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		problem(w, http.StatusBadRequest, "body is not JSON")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.subs[r.PathValue("id")]
	switch {
	case sub == nil:
		problem(w, http.StatusNotFound, "submission not found")
		return
	case sub.Status != "created":
		problem(w, http.StatusConflict, "submission already submitted")
		return
	case strings.Count(req.EncryptedMetadata, ".") != 4 || strings.Count(req.EncryptedData, ".") != 4:
		problem(w, http.StatusUnprocessableEntity, "encryptedMetadata and encryptedData must be JWE compact serialisations")
		return
	}
	for _, id := range sub.Announced {
		if _, ok := sub.Attachments[id]; !ok {
			problem(w, http.StatusUnprocessableEntity, "missing attachments: every announced attachment must be uploaded first")
			return
		}
	}
	sub.Status = "submitted"
	sub.events = append(sub.events, s.set(sub, fitconnect.EventSubmit, map[string]any{}))
	if !s.NoInspection {
		sub.Problems = s.check(sub, req.EncryptedMetadata, req.EncryptedData)
	}
	if s.Decide {
		s.decide(sub)
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"destinationId": s.DestinationID, "submissionId": sub.ID, "caseId": sub.CaseID})
}

// check is the authority's check of a submitted submission; it returns the problems found.
func (s *Server) check(sub *Submission, encMetadata, encData string) []string {
	var problems []string
	md, cty, err := decrypt(encMetadata)
	if err != nil {
		return []string{"metadata: " + err.Error()}
	}
	if cty != "application/json" {
		problems = append(problems, "metadata: cty is not application/json")
	}
	sub.Metadata = md
	if err := fitconnect.ValidateMetadata(md); err != nil {
		problems = append(problems, err.Error())
	}
	data, _, err := decrypt(encData)
	if err != nil {
		return append(problems, "data: "+err.Error())
	}
	sub.Data = data
	var meta struct {
		ContentStructure struct {
			Data struct {
				Hash struct{ Content string } `json:"hash"`
			} `json:"data"`
			Attachments []struct {
				AttachmentID string                   `json:"attachmentId"`
				MimeType     string                   `json:"mimeType"`
				Purpose      string                   `json:"purpose"`
				Hash         struct{ Content string } `json:"hash"`
			} `json:"attachments"`
		} `json:"contentStructure"`
		PublicServiceType *fitconnect.PublicServiceType `json:"publicServiceType"`
	}
	if err := json.Unmarshal(md, &meta); err != nil {
		return append(problems, "metadata is not the documented JSON")
	}
	if sum := sha512.Sum512(data); hex.EncodeToString(sum[:]) != meta.ContentStructure.Data.Hash.Content {
		problems = append(problems, "data: SHA-512 differs from the metadata")
	}
	if meta.PublicServiceType == nil || meta.PublicServiceType.Identifier != sub.ServiceType.Identifier {
		problems = append(problems, "metadata: publicServiceType differs from the submission's serviceType")
	}
	var listed []string
	for _, a := range meta.ContentStructure.Attachments {
		listed = append(listed, a.AttachmentID)
		b, ok := sub.Attachments[a.AttachmentID]
		if !ok {
			problems = append(problems, "attachment "+a.AttachmentID+" listed in the metadata but not uploaded")
			continue
		}
		if sum := sha512.Sum512(b); hex.EncodeToString(sum[:]) != a.Hash.Content {
			problems = append(problems, "attachment "+a.AttachmentID+": SHA-512 differs from the metadata")
		}
		if sub.AttachmentTypes[a.AttachmentID] != a.MimeType {
			problems = append(problems, "attachment "+a.AttachmentID+": cty differs from mimeType")
		}
	}
	ann := slices.Clone(sub.Announced)
	sort.Strings(ann)
	sort.Strings(listed)
	if !slices.Equal(ann, listed) {
		problems = append(problems, "the metadata does not list exactly the announced attachments")
	}
	return problems
}

func (s *Server) decide(sub *Submission) {
	if len(sub.Problems) == 0 && !s.RejectAll {
		sub.Status = "accepted"
		sub.events = append(sub.events, s.set(sub, fitconnect.EventAccept, map[string]any{}))
		return
	}
	problems := []fitconnect.Problem{}
	for _, p := range sub.Problems {
		problems = append(problems, fitconnect.Problem{Type: "https://schema.fitko.de/fit-connect/events/problems/invalid-submission", Title: "Ungültige Einreichung", Detail: p})
	}
	if len(problems) == 0 {
		problems = append(problems, fitconnect.Problem{Title: "Abgelehnt", Detail: "die Behörde lehnt ab"})
	}
	sub.Status = "rejected"
	sub.events = append(sub.events, s.set(sub, fitconnect.EventReject, map[string]any{"problems": problems}))
}

// DecideNow lets the authority accept or reject a submitted submission (when Decide is false).
func (s *Server) DecideNow(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub := s.subs[id]; sub != nil && sub.Status == "submitted" {
		s.decide(sub)
	}
}

// set makes a Security Event Token about sub.
func (s *Server) set(sub *Submission, typ string, payload any) string {
	k := mustKeys()
	key, kid, iss := k.service, ServiceKid, s.URL
	if typ == fitconnect.EventAccept || typ == fitconnect.EventReject {
		key, kid, iss = k.sig, SignatureKid, s.DestinationID
		if s.BadEventSignature {
			key = k.service
		}
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.PS512, Key: key},
		(&jose.SignerOptions{}).WithType(fitconnect.SETType).WithHeader(jose.HeaderKey("kid"), kid))
	if err != nil {
		panic(err)
	}
	claims, _ := json.Marshal(fitconnect.SETClaims{
		Issuer: iss, Subject: "submission:" + sub.ID, TxnID: "case:" + sub.CaseID, IssuedAt: time.Now().Unix(), JTI: uuid.NewString(),
		Events: map[string]json.RawMessage{typ: mustJSON(payload)},
	})
	obj, err := signer.Sign(claims)
	if err != nil {
		panic(err)
	}
	c, _ := obj.CompactSerialize()
	return c
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sub := range s.subs {
		if sub.CaseID == r.PathValue("caseId") {
			writeJSON(w, http.StatusOK, map[string]any{"eventLog": sub.events, "eventCount": len(sub.events), "offset": 0, "totalCount": len(sub.events)})
			return
		}
	}
	problem(w, http.StatusNotFound, "case not found")
}

// Submissions returns copies of all submissions, in the order they were created.
func (s *Server) Submissions() []Submission {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Submission, 0, len(s.order))
	for _, id := range s.order {
		c := *s.subs[id]
		c.Attachments = maps(c.Attachments)
		out = append(out, c)
	}
	return out
}

func maps(m map[string][]byte) map[string][]byte {
	c := make(map[string][]byte, len(m))
	for k, v := range m {
		c[k] = bytes.Clone(v)
	}
	return c
}

// Submitted returns the submissions that reached the authority (submitted, accepted or
// rejected).
func (s *Server) Submitted() []Submission {
	var out []Submission
	for _, sub := range s.Submissions() {
		if sub.Status != "created" {
			out = append(out, sub)
		}
	}
	return out
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestCredentialsRoundTripPerServerWithPrivateModes(t *testing.T) {
	config := isolate(t)
	s, err := newCredentialStore()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(config, "gridinspect")
	if s.dir != dir {
		t.Fatalf("dir = %q, want %q", s.dir, dir)
	}
	if _, ok, err := s.get("127.0.0.1:50051"); err != nil || ok {
		t.Fatalf("get before any login = %v, %v; want none", ok, err)
	}

	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	a := savedLogin{Token: "token-a", Username: "admin", UserID: "u1", DeviceID: "d1", ExpiresAt: exp}
	b := savedLogin{Token: "token-b", Username: "supervisor"}
	if err := s.put("127.0.0.1:50051", a); err != nil {
		t.Fatal(err)
	}
	if err := s.put("grid.example.cn:443", b); err != nil {
		t.Fatal(err)
	}

	st, err := os.Stat(filepath.Join(dir, "credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != 0o600 {
		t.Errorf("credentials.json mode = %v, want 0600", got)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("folder mode = %v (%v), want 0700", st.Mode().Perm(), err)
	}

	// A new store (a later run) reads each server's own login.
	s2, _ := newCredentialStore()
	if got, ok, err := s2.get("127.0.0.1:50051"); err != nil || !ok || got != a {
		t.Errorf("get first server = %+v, %v, %v; want %+v", got, ok, err, a)
	}
	if got, ok, err := s2.get("grid.example.cn:443"); err != nil || !ok || got.Token != "token-b" {
		t.Errorf("get second server = %+v, %v, %v", got, ok, err)
	}

	// Logging in again to one server replaces its token only.
	a.Token = "token-a2"
	if err := s2.put("127.0.0.1:50051", a); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.get("127.0.0.1:50051"); got.Token != "token-a2" {
		t.Errorf("token after second login = %q, want token-a2", got.Token)
	}
	if got, _, _ := s.get("grid.example.cn:443"); got.Token != "token-b" {
		t.Errorf("other server's token = %q, want token-b", got.Token)
	}

	// The file is plain JSON keyed by server, then by user.
	raw, err := os.ReadFile(s.path())
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Servers map[string]struct {
			Current string
			Logins  map[string]map[string]any
		} `json:"servers"`
	}
	if err := json.Unmarshal(raw, &f); err != nil || len(f.Servers) != 2 || f.Servers["grid.example.cn:443"].Current != "supervisor" ||
		f.Servers["grid.example.cn:443"].Logins["supervisor"]["token"] != "token-b" {
		t.Errorf("file = %s (%v)", raw, err)
	}

	if removed, err := s.remove("127.0.0.1:50051"); err != nil || !removed {
		t.Fatalf("remove = %v, %v", removed, err)
	}
	if _, ok, _ := s.get("127.0.0.1:50051"); ok {
		t.Error("removed login still there")
	}
	if _, ok, _ := s.get("grid.example.cn:443"); !ok {
		t.Error("removing one server's login removed the other's")
	}
	if removed, err := s.remove("127.0.0.1:50051"); err != nil || removed {
		t.Errorf("second remove = %v, %v; want false, nil", removed, err)
	}
	if _, err := s.remove("grid.example.cn:443"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.path()); !os.IsNotExist(err) {
		t.Errorf("credentials.json after the last logout: %v, want it gone", err)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(matches) > 0 {
		t.Errorf("temporary files left behind: %v", matches)
	}
}

func TestCredentialsFolderIsTightened(t *testing.T) {
	config := isolate(t)
	dir := filepath.Join(config, "gridinspect")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s, _ := newCredentialStore()
	if err := s.put("h:1", savedLogin{Token: "t"}); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
		t.Errorf("folder mode = %v, want 0700", st.Mode().Perm())
	}
}

func TestConfigFolderFallsBackToHomeDotConfig(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("HOME", home)
	dir, err := configDir()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(home, ".config", "gridinspect"); dir != want {
		t.Errorf("configDir = %q, want %q", dir, want)
	}
}

func TestDamagedCredentialsFileIsAnError(t *testing.T) {
	isolate(t)
	s, _ := newCredentialStore()
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.path(), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.get("h:1"); err == nil {
		t.Error("get from a damaged file succeeded")
	}
}

func TestDeviceIDIsMadeOnceAndKept(t *testing.T) {
	isolate(t)
	s, _ := newCredentialStore()
	id, err := s.deviceID()
	if err != nil {
		t.Fatal(err)
	}
	u, err := uuid.Parse(id)
	if err != nil || u.Version() != 7 {
		t.Fatalf("device id %q: version %v, %v; want a UUIDv7", id, u.Version(), err)
	}
	s2, _ := newCredentialStore()
	if again, err := s2.deviceID(); err != nil || again != id {
		t.Errorf("second device id = %q, %v; want %q", again, err, id)
	}
	st, err := os.Stat(filepath.Join(s.dir, deviceIDFileName))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("device-id file: %v, %v", st, err)
	}
	// Logging out of every server keeps the device id.
	if err := s.put("h:1", savedLogin{Token: "t"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.remove("h:1"); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.deviceID(); again != id {
		t.Errorf("device id after logout = %q, want %q", again, id)
	}
}

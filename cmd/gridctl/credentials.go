package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Where gridctl keeps what it must remember between runs: the tokens saved
// by "gridctl login", one per server, and the machine's device id.
const (
	configDirName       = "gridinspect"
	credentialsFileName = "credentials.json"
	deviceIDFileName    = "device-id"
	// dirMode and fileMode keep the tokens from other local users.
	dirMode  fs.FileMode = 0o700
	fileMode fs.FileMode = 0o600
)

// configDir returns $XDG_CONFIG_HOME/gridinspect, or
// ~/.config/gridinspect when XDG_CONFIG_HOME is unset.
func configDir() (string, error) {
	if x := os.Getenv("XDG_CONFIG_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, configDirName), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the config folder: %w", err)
	}
	return filepath.Join(home, ".config", configDirName), nil
}

// credentialsPathHint names the credentials file for the help text.
func credentialsPathHint() string {
	if dir, err := configDir(); err == nil {
		return filepath.Join(dir, credentialsFileName)
	}
	return "$XDG_CONFIG_HOME/gridinspect/" + credentialsFileName
}

// savedLogin is what "gridctl login" keeps for one server.
type savedLogin struct {
	Token     string    `json:"token"`
	Username  string    `json:"username,omitempty"`
	UserID    string    `json:"user_id,omitempty"`
	DeviceID  string    `json:"device_id,omitempty"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	SavedAt   time.Time `json:"saved_at,omitzero"`
}

// credentialsFile is the JSON in credentials.json.
type credentialsFile struct {
	// Servers maps a server address (as normalizeServer writes it) to its
	// login.
	Servers map[string]savedLogin `json:"servers"`
}

// credentialStore reads and writes the saved logins in dir.
type credentialStore struct {
	dir string
}

func newCredentialStore() (*credentialStore, error) {
	dir, err := configDir()
	if err != nil {
		return nil, err
	}
	return &credentialStore{dir: dir}, nil
}

func (s *credentialStore) path() string { return filepath.Join(s.dir, credentialsFileName) }

// load returns the saved logins; a missing file holds none.
func (s *credentialStore) load() (*credentialsFile, error) {
	f := &credentialsFile{Servers: map[string]savedLogin{}}
	b, err := os.ReadFile(s.path())
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read saved logins: %w", err)
	}
	if err := json.Unmarshal(b, f); err != nil {
		return nil, fmt.Errorf("read saved logins from %s: %w", s.path(), err)
	}
	if f.Servers == nil {
		f.Servers = map[string]savedLogin{}
	}
	return f, nil
}

// get returns the login saved for server, if any.
func (s *credentialStore) get(server string) (savedLogin, bool, error) {
	f, err := s.load()
	if err != nil {
		return savedLogin{}, false, err
	}
	l, ok := f.Servers[server]
	return l, ok && l.Token != "", nil
}

// put saves l as the login for server, keeping the other servers'.
func (s *credentialStore) put(server string, l savedLogin) error {
	f, err := s.load()
	if err != nil {
		return err
	}
	f.Servers[server] = l
	return s.save(f)
}

// remove deletes the login saved for server, and the file when it was the
// last one. It reports whether there was one.
func (s *credentialStore) remove(server string) (bool, error) {
	f, err := s.load()
	if err != nil {
		return false, err
	}
	if _, ok := f.Servers[server]; !ok {
		return false, nil
	}
	delete(f.Servers, server)
	if len(f.Servers) == 0 {
		if err := os.Remove(s.path()); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return true, fmt.Errorf("remove saved logins: %w", err)
		}
		return true, nil
	}
	return true, s.save(f)
}

// save writes f whole: to a new 0600 file in the same folder, synced, then
// renamed over the old one, so a crash leaves the old file or the new one.
func (s *credentialStore) save(f *credentialsFile) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("save logins: %w", err)
	}
	return writeFileAtomic(s.dir, credentialsFileName, append(b, '\n'))
}

// deviceID returns this machine's device id, making and saving a UUIDv7 the
// first time, so that every login from here names the same device.
func (s *credentialStore) deviceID() (string, error) {
	p := filepath.Join(s.dir, deviceIDFileName)
	b, err := os.ReadFile(p)
	if err == nil {
		id := strings.TrimSpace(string(b))
		if _, perr := uuid.Parse(id); perr == nil {
			return id, nil
		}
		// A damaged file is replaced rather than sent to the server.
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read device id: %w", err)
	}
	u, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("make device id: %w", err)
	}
	id := u.String()
	if err := writeFileAtomic(s.dir, deviceIDFileName, []byte(id+"\n")); err != nil {
		return "", fmt.Errorf("save device id: %w", err)
	}
	return id, nil
}

// writeFileAtomic replaces dir/name with data, mode 0600, creating dir with
// mode 0700 (and tightening it if it is looser).
func writeFileAtomic(dir, name string, data []byte) (err error) {
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if st, err := os.Stat(dir); err == nil && st.Mode().Perm()&^dirMode != 0 {
		if err := os.Chmod(dir, dirMode); err != nil {
			return fmt.Errorf("restrict %s: %w", dir, err)
		}
	}
	tmp, err := os.CreateTemp(dir, "."+name+".*.tmp") // CreateTemp makes it 0600
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(fileMode); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

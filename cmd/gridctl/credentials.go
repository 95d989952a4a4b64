package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/gridinspect/gridinspect"
)

// Where gridctl keeps what it must remember between runs: the tokens saved
// by "gridctl login", one per server and user, and the machine's device id.
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

// savedLogin is what "gridctl login" keeps for one user on one server.
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
	// logins.
	Servers map[string]*serverLogins `json:"servers"`
}

// serverLogins are the logins kept for one server, one per user, so that
// switching user (--as) needs no new login; Current is the one a command
// uses unless --as names another.
type serverLogins struct {
	Current string                `json:"current,omitempty"` // a key of Logins
	Logins  map[string]savedLogin `json:"logins"`            // by userKey
}

// userKey is the key of a user's login: the username as the server
// compares it.
func userKey(username string) string {
	return gridinspect.FoldUsername(strings.TrimSpace(username))
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

// load returns the saved logins; a missing file holds none. A file of the
// first format, one login per server, is read as that login being the
// server's only and current one; the next save writes the new format.
func (s *credentialStore) load() (*credentialsFile, error) {
	f := &credentialsFile{Servers: map[string]*serverLogins{}}
	b, err := os.ReadFile(s.path())
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read saved logins: %w", err)
	}
	var raw struct {
		Servers map[string]json.RawMessage `json:"servers"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("read saved logins from %s: %w", s.path(), err)
	}
	for server, msg := range raw.Servers {
		var probe struct {
			Logins json.RawMessage `json:"logins"`
		}
		if err := json.Unmarshal(msg, &probe); err != nil {
			return nil, fmt.Errorf("read saved logins from %s: %w", s.path(), err)
		}
		sl := &serverLogins{}
		if probe.Logins != nil {
			err = json.Unmarshal(msg, sl)
		} else {
			var old savedLogin
			if err = json.Unmarshal(msg, &old); err == nil {
				key := userKey(old.Username)
				sl = &serverLogins{Current: key, Logins: map[string]savedLogin{key: old}}
			}
		}
		if err != nil {
			return nil, fmt.Errorf("read saved logins from %s: %w", s.path(), err)
		}
		if sl.Logins == nil {
			sl.Logins = map[string]savedLogin{}
		}
		f.Servers[server] = sl
	}
	return f, nil
}

// get returns the current login saved for server, if any.
func (s *credentialStore) get(server string) (savedLogin, bool, error) {
	return s.getAs(server, "")
}

// getAs returns user's login saved for server; "" is the current one.
func (s *credentialStore) getAs(server, user string) (savedLogin, bool, error) {
	f, err := s.load()
	if err != nil {
		return savedLogin{}, false, err
	}
	sl := f.Servers[server]
	if sl == nil {
		return savedLogin{}, false, nil
	}
	key := sl.Current
	if user != "" {
		key = userKey(user)
	}
	l, ok := sl.Logins[key]
	return l, ok && l.Token != "", nil
}

// logins returns the logins saved for server, by username, and the
// current one's username.
func (s *credentialStore) logins(server string) ([]savedLogin, string, error) {
	f, err := s.load()
	if err != nil {
		return nil, "", err
	}
	sl := f.Servers[server]
	if sl == nil {
		return nil, "", nil
	}
	var out []savedLogin
	for _, l := range sl.Logins {
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b savedLogin) int { return strings.Compare(userKey(a.Username), userKey(b.Username)) })
	return out, sl.Logins[sl.Current].Username, nil
}

// put saves l as its user's login for server, replacing that user's
// earlier one and keeping the other users' and servers', and makes it the
// current one.
func (s *credentialStore) put(server string, l savedLogin) error {
	f, err := s.load()
	if err != nil {
		return err
	}
	sl := f.Servers[server]
	if sl == nil {
		sl = &serverLogins{Logins: map[string]savedLogin{}}
		f.Servers[server] = sl
	}
	key := userKey(l.Username)
	sl.Logins[key] = l
	sl.Current = key
	return s.save(f)
}

// remove deletes the current login saved for server; see removeAs.
func (s *credentialStore) remove(server string) (bool, error) {
	return s.removeAs(server, "")
}

// removeAs deletes user's login saved for server ("" is the current one),
// and the file when it was the last one. It reports whether there was one.
// When the current login goes, none is current: the next command names a
// user with --as or logs in, rather than silently acting as another.
func (s *credentialStore) removeAs(server, user string) (bool, error) {
	f, err := s.load()
	if err != nil {
		return false, err
	}
	sl := f.Servers[server]
	if sl == nil {
		return false, nil
	}
	key := sl.Current
	if user != "" {
		key = userKey(user)
	}
	if _, ok := sl.Logins[key]; !ok {
		return false, nil
	}
	delete(sl.Logins, key)
	if sl.Current == key {
		sl.Current = ""
	}
	if len(sl.Logins) == 0 {
		delete(f.Servers, server)
	}
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

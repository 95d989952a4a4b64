package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/store"
)

// streetConfig is what --add-street asks for: a street (a tenant,
// docs/tenants.md) added to the database with its first admin, instead of
// serving.
type streetConfig struct {
	add   bool   // --add-street was given: add a street instead of serving
	name  string // --add-street: the new street's name
	admin string // --street-admin: the username of its first admin
	// rename is --name-street ID=NAME: name a street (street 1 has no
	// name until it is given one) instead of serving.
	rename struct {
		set  bool
		id   int64
		name string
	}
}

// register adds the street flags to fs. They live apart from the other
// flags: they act on the database and exit, as --after-restore does.
func (s *streetConfig) register(fs *flag.FlagSet) {
	fs.Func("add-street", "add the street `NAME` (街道) to the database of --data or --database, with its first admin (--street-admin), print its id and the admin's initial password (shown once), and exit without serving",
		func(name string) error {
			s.add, s.name = true, name
			return nil
		})
	fs.StringVar(&s.admin, "street-admin", "", "with --add-street: the `USERNAME` of the new street's first admin (usernames are one namespace across streets)")
	fs.Func("name-street", "give a street of the database of --data or --database its name, `ID=NAME` (1=江南街道: street 1 has none until named; district accounts read their streets by name), and exit without serving",
		func(v string) error {
			id, name, ok := strings.Cut(v, "=")
			n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
			if !ok || err != nil || n < 1 || strings.TrimSpace(name) == "" {
				return fmt.Errorf("%q: want ID=NAME, e.g. 1=江南街道", v)
			}
			s.rename.set, s.rename.id, s.rename.name = true, n, strings.TrimSpace(name)
			return nil
		})
}

// check refuses street flags that do not go together with c.
func (s streetConfig) check(c config) error {
	switch {
	case s.rename.set && (s.add || c.restore != "" || c.afterRestore || c.demo):
		return errors.New("--name-street goes with --data or --database only: it names the street and exits")
	case !s.add && s.admin != "":
		return errors.New("--street-admin goes with --add-street")
	case !s.add:
		return nil
	case strings.TrimSpace(s.name) == "":
		return errors.New("--add-street: give the street's name")
	case s.admin == "":
		return errors.New("--add-street needs --street-admin: the username of the street's first admin")
	case c.restore != "" || c.afterRestore || c.demo:
		return errors.New("--add-street goes with --data or --database only: it adds the street and exits")
	}
	return nil
}

// addStreet adds the street cfg.street asks for to the database of cfg
// (made if new, as gridd makes it) and prints, in Chinese, its id and its
// admin's password, which is shown this once. On SQLite the database must
// not be in use; on PostgreSQL the servers of it may keep serving.
func addStreet(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	if err := os.MkdirAll(cfg.dataDir, 0o750); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	var street int64
	var password string
	err := withDatabase(cfg, log, func(db *store.DB) error {
		// A new database gets street 1's admin first, as gridd's first
		// run gives it: once another street has accounts, the database
		// is not new, and street 1 would be left without one.
		if err := firstRun(ctx, db, cfg.dataDir, stdout); err != nil {
			return err
		}
		var err error
		street, password, err = db.CreateStreet(ctx, cfg.street.name, cfg.street.admin)
		return err
	})
	if err != nil {
		return fmt.Errorf("add street %s: %w", cfg.street.name, err)
	}
	fmt.Fprintf(stdout, "已新增街道「%s」，街道编号 %d\n", cfg.street.name, street)
	fmt.Fprintf(stdout, "  管理员账号 %s，初始密码 %s\n", gridinspect.FoldUsername(cfg.street.admin), password)
	fmt.Fprintln(stdout, "  密码只显示这一次：请转交该街道管理员，登录后立即修改；该街道的网格和用户由其自行创建")
	return nil
}

// nameStreet names the street --name-street asks for in the database of
// cfg, and says so in Chinese. On SQLite the database must not be in use.
func nameStreet(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	r := cfg.street.rename
	err := withDatabase(cfg, log, func(db *store.DB) error { return db.NameStreet(ctx, r.id, r.name) })
	if err != nil {
		return fmt.Errorf("--name-street %d: %w", r.id, err)
	}
	fmt.Fprintf(stdout, "街道 %d 已命名为「%s」\n", r.id, r.name)
	return nil
}

// withDatabase opens cfg's database for an operator's command that
// changes it and exits (--add-street, --name-street, --district-user),
// runs fn on it and closes it. On SQLite the database must not be in use;
// on PostgreSQL the servers of it may keep serving.
func withDatabase(cfg config, log *slog.Logger, fn func(*store.DB) error) error {
	dbURL := cfg.databaseURL()
	db, err := store.OpenURL(dbURL, store.Options{Logger: log, PhotoDir: cfg.photos})
	if err != nil {
		return fmt.Errorf("open database %s: %w", store.RedactURL(dbURL), err)
	}
	err = fn(db)
	if cerr := db.Close(context.Background()); err == nil && cerr != nil {
		err = fmt.Errorf("close database %s: %w", store.RedactURL(dbURL), cerr)
	}
	return err
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/gridinspect/gridinspect/store"
)

// districtCommand is --district-user NAME --district-streets 1,2,3: give
// the district account NAME (ROLE_DISTRICT, made by an admin of its home
// street) the streets whose statistics it reads, and exit without serving
// (docs/tenants.md, "District accounts"). Like --after-restore, it acts
// on the database of --database (or --data) and exits; on SQLite, with
// gridd stopped (one process has the file at a time).
type districtCommand struct {
	user    string
	streets streetList
}

// register adds the command's flags to fs.
func (d *districtCommand) register(fs *flag.FlagSet) {
	fs.StringVar(&d.user, "district-user", "", "give the district account `NAME` (role ROLE_DISTRICT) the streets of --district-streets, replacing those it had, and exit without serving")
	fs.Var(&d.streets, "district-streets", "with --district-user: the `IDS` of the streets (comma-separated) whose statistics the account reads; empty: none")
}

// given reports whether the command was asked for.
func (d *districtCommand) given() bool { return d.user != "" }

// check refuses the command's flags with flags they do not go with.
func (d *districtCommand) check(c config) error {
	switch {
	case !d.given() && d.streets.set:
		return errors.New("--district-streets goes with --district-user")
	case !d.given():
		return nil
	case !d.streets.set:
		return errors.New("--district-user needs --district-streets (an empty list takes every street away)")
	case c.restore != "" || c.afterRestore || c.demo:
		return errors.New("--district-user goes with --database or --data only")
	}
	return nil
}

// streetList is the value of --district-streets: street ids.
type streetList struct {
	ids []int64
	set bool
}

func (l *streetList) String() string {
	s := make([]string, len(l.ids))
	for i, id := range l.ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

func (l *streetList) Set(v string) error {
	l.set, l.ids = true, nil
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil || id < 1 {
			return fmt.Errorf("%q is not a street id (a whole number from 1)", f)
		}
		l.ids = append(l.ids, id)
	}
	return nil
}

// setDistrictStreets runs the command: opens the database, sets the
// account's streets, and says so.
func setDistrictStreets(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	err := withDatabase(cfg, log, func(db *store.DB) error {
		return db.SetDistrictStreets(ctx, cfg.district.user, cfg.district.streets.ids)
	})
	if err != nil {
		return fmt.Errorf("--district-user %s: %w", cfg.district.user, err)
	}
	if len(cfg.district.streets.ids) == 0 {
		fmt.Fprintf(stdout, "区级账号 %s 已不再查看任何街道的统计\n", cfg.district.user)
		return nil
	}
	fmt.Fprintf(stdout, "区级账号 %s 可查看街道 %s 的统计（合计）\n", cfg.district.user, cfg.district.streets.String())
	return nil
}

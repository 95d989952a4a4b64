package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/gridinspect/gridinspect/internal/words"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// listPageSize is the page size of the lists gridctl reads whole: the
// most the server gives in one page. Tests lower it to see the pages.
var listPageSize int32 = 500

var gridCommand = &command{
	name:    "grid",
	summary: "街道的网格",
	subs:    []*command{gridListCommand},
}

var gridListCommand = &command{
	name:    "list",
	summary: "列出可见的全部网格：名称、类型和编号",
	setup: func(fs *flag.FlagSet) runFunc {
		return func(ctx context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usagef("grid list 不带参数")
			}
			dir, err := a.directoryClient()
			if err != nil {
				return err
			}
			grids, err := listAllGrids(ctx, dir)
			if err != nil {
				return err
			}
			if a.opts.json {
				return writeJSONList(a.stdout, grids)
			}
			t := newTable("名称", "类型", "编号")
			for _, g := range grids {
				t.add(g.GetName(), words.Label(words.GridKind, g.GetKind()), g.GetId())
			}
			return t.write(a.stdout)
		}
	},
}

// listAllGrids reads every page of ListGrids.
func listAllGrids(ctx context.Context, dir pb.DirectoryServiceClient) ([]*pb.Grid, error) {
	var all []*pb.Grid
	err := paginate(func(token string) (string, error) {
		resp, err := dir.ListGrids(ctx, &pb.ListGridsRequest{PageSize: listPageSize, PageToken: token})
		if err != nil {
			return "", fmt.Errorf("list grids: %w", err)
		}
		all = append(all, resp.GetGrids()...)
		return resp.GetNextPageToken(), nil
	})
	return all, err
}

// paginate calls page with each page token, starting from none, until a
// page returns no next token.
func paginate(page func(token string) (next string, err error)) error {
	seen := map[string]bool{}
	token := ""
	for {
		next, err := page(token)
		if err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		if seen[next] {
			return errors.New("the server returned the same page token twice")
		}
		seen[next] = true
		token = next
	}
}

// resolveGrid finds the grid named by s, an id or a name, among grids. An
// id the list does not hold is passed on as it is, for the server to judge.
func resolveGrid(grids []*pb.Grid, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("网格名称为空")
	}
	if u, err := uuid.Parse(s); err == nil {
		return u.String(), nil
	}
	for _, g := range grids {
		if g.GetName() == s {
			return g.GetId(), nil
		}
	}
	var folded []*pb.Grid
	for _, g := range grids {
		if strings.EqualFold(g.GetName(), s) {
			folded = append(folded, g)
		}
	}
	if len(folded) == 1 {
		return folded[0].GetId(), nil
	}
	return "", fmt.Errorf("没有名为 %q 的网格（gridctl grid list 可列出全部网格）", s)
}

// resolveGrids resolves each of names; it lists the grids only when a name
// is not an id.
func (a *app) resolveGrids(ctx context.Context, names []string) ([]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	var grids []*pb.Grid
	for _, n := range names {
		if _, err := uuid.Parse(strings.TrimSpace(n)); err != nil {
			dir, err := a.directoryClient()
			if err != nil {
				return nil, err
			}
			if grids, err = listAllGrids(ctx, dir); err != nil {
				return nil, err
			}
			break
		}
	}
	ids := make([]string, 0, len(names))
	for _, n := range names {
		id, err := resolveGrid(grids, n)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// gridNames writes ids as names where grids knows them.
func gridNames(ids []string, grids []*pb.Grid) string {
	byID := make(map[string]string, len(grids))
	for _, g := range grids {
		byID[g.GetId()] = g.GetName()
	}
	names := make([]string, len(ids))
	for i, id := range ids {
		if n, ok := byID[id]; ok && n != "" {
			names[i] = n
		} else {
			names[i] = id
		}
	}
	return strings.Join(names, ",")
}

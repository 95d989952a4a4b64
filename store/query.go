package store

// queryAll runs query and scans every row with scan, checking Scan, Err
// and Close, as every list of the store must.
func queryAll[T any](q queryer, query string, args []any, scan func(scanner) (T, error)) ([]T, error) {
	rows, err := q.Query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, rows.Close()
}

// cutPage trims a list read with one row more than the page size n, and
// returns the last row kept when there is a next page (nil on the last).
func cutPage[T any](list []T, n int) ([]T, *T) {
	if len(list) <= n {
		return list, nil
	}
	list = list[:n]
	return list, &list[n-1]
}

// dropHash adapts a scan that also returns a content hash to queryAll.
func dropHash[T any](scan func(scanner) (T, string, error)) func(scanner) (T, error) {
	return func(s scanner) (T, error) {
		v, _, err := scan(s)
		return v, err
	}
}

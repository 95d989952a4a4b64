package gridinspect

// Street is a street office (街道), the tenant every row belongs to
// (docs/tenants.md).
type Street struct {
	ID int64
	// Name is the street's as its office writes it (东城街道); "" for a
	// street never named (street 1 of a database made before streets had
	// names, until its operator names it).
	Name string
}

// Package gridinspect is the domain of grid inspection in a street office:
// reports of what grid workers find, patrols, grids and subjects, the
// closed loop a case goes through, and the rules that check them. It
// declares the services the rest of the program implements (store/) and
// serves (server/), and imports neither.
package gridinspect

// Package web is the supervisors' desk (网格巡查工作台): the pages a street
// office's people use in a browser, served by gridd beside the HTTP/JSON
// API.
//
// It owns the desk's pages (html/template files embedded from templates/,
// one file per page, all drawn in the shared layout.html), its static files
// (static/: desk.css, desk.js and the vendored browser libraries), their
// URLs and cache headers, and the security headers of every answer
// (Content-Security-Policy and friends).
//
// It owns no rule. Every page is a client of the gRPC services over the
// server's in-process connection, the one the HTTP/JSON gateway uses, so a
// page's calls pass the same interceptors, access checks and limits as any
// other client's: a worker's page shows only its grids because the API
// answers so. The session cookie's rules and the same-origin check stay in
// package server, which hands them in through Config.
//
// Adding a page: a handler in its own file (cases.go is the model) that
// calls the API with the context d.call gives and renders a view; a
// template of the same name in templates/ defining "content" (layout.html
// draws the header and the title from the view); a route in routes
// (web.go), behind d.page when it needs a user; and, if it belongs in the
// header, an entry in navItems (render.go). A part of a page that should
// keep itself up to date (a list, counts) is an element with an id and
// data-refresh="{{.Refresh}}": desk.js fetches the page again every so
// often (marked by the X-Desk-Refresh header, which gets the content
// without the layout) and swaps that element's inside.
package web

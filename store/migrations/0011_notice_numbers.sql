-- 0011_notice_numbers: notice numbers as an office writes them (发文字号,
-- issue 13): each kind's numbers start with a prefix the admin sets, the
-- office's abbreviation and the kind's code (X街安告〔2024〕12号). A number
-- is stored with its notice (in the event) when it is issued, so changing a
-- prefix changes only the numbers issued after; notice_numbers counts per
-- kind and year as before.
CREATE TABLE notice_prefixes (
	kind   INTEGER PRIMARY KEY CHECK (kind >= 1),
	prefix TEXT NOT NULL
) STRICT;

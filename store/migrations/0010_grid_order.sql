-- 0010_grid_order: grids in the office's official order (issue 13). 0 is
-- none; the admin sets it (SetGridOrder). Not part of the content hash:
-- an arrangement, not what the grid is.
ALTER TABLE grids ADD COLUMN sort_order INTEGER NOT NULL DEFAULT 0 CHECK (sort_order >= 0);

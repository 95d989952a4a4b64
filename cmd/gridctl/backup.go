package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// The names a backup archive holds (see store/backup.go, which gridctl
// does not import: it would bring in SQLite and cgo).
const (
	backupDatabaseEntry = "gridinspect.db"
	backupManifestEntry = "BACKUP.json"
	backupEndEntry      = "BACKUP-END.json"
	backupPhotoPrefix   = "photos/sha256/"
	// backupFormat is the newest manifest format gridctl understands;
	// it reads every format from 1 up: 1 has the manifest last and no
	// BACKUP-END.json, 2 the manifest first and BACKUP-END.json last.
	backupFormat = 2
	// maxBackupManifestBytes bounds what gridctl reads of BACKUP.json
	// and BACKUP-END.json.
	maxBackupManifestBytes = 1 << 20
	// backupProgressEvery is how often the progress line is redrawn at
	// most.
	backupProgressEvery = 100 * time.Millisecond
)

var backupCommand = &command{
	name:    "backup",
	summary: "下载服务器数据库和照片的备份（管理员）",
	help: `服务器在继续服务的同时做一份备份，写入文件：数据库一致快照、全部完整照片
和清单（含各项计数和数据库的校验值），打包为一个压缩文件（.tar.gz）。备份开始前已确认的数据都在其中；备份期间写入的可能在也可能不在。

文件先写作“文件名.tmp”，只有整份归档到齐并校验无误（压缩校验、开头和结尾的
清单、数据库的校验值）后才改名，所以中断的备份
不会留下看似完整的文件。不加 --out 时文件以服务器建议的名字
（例如 gridinspect-backup-20240630-153000.tar.gz）存在当前文件夹；--out 是文件夹
时存在该文件夹中。文件夹不存在或不可写入时，在请服务器做任何事之前即报错。在终端上，标准错误输出显示进度。

归档含每个账号的密码哈希和每份报告：请存放在只有管理员能读的地方。离线恢复：
  gridd --restore 备份文件 --data 新数据文件夹

示例：
  gridctl backup
  gridctl backup --out /mnt/usb/`,
	setup: func(fs *flag.FlagSet) runFunc {
		out := fs.String("out", "", "把归档写入`文件`，或写入该文件夹（默认：服务器建议的名字）")
		return func(ctx context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usagef("backup 不带参数（选项：--out 文件）")
			}
			return a.backup(ctx, *out)
		}
	},
}

// backupManifest is what gridctl reads of a backup's BACKUP.json: the
// fields of store.BackupManifest it checks and prints.
type backupManifest struct {
	Format         int       `json:"format"`
	CreatedAt      time.Time `json:"created_at"`
	InstanceID     string    `json:"instance_id"`
	SchemaVersion  int       `json:"schema_version"`
	Reports        int64     `json:"reports"`
	Events         int64     `json:"events"`
	Patrols        int64     `json:"patrols"`
	Photos         int64     `json:"photos"`
	PhotoFiles     int64     `json:"photo_files"`
	PhotoBytes     int64     `json:"photo_bytes"`
	DatabaseBytes  int64     `json:"database_bytes"`
	DatabaseSHA256 string    `json:"database_sha256"`
	MissingPhotos  []string  `json:"missing_photos"`
	DamagedPhotos  []string  `json:"damaged_photos"`
}

func (a *app) backup(ctx context.Context, out string) error {
	// A backup is minutes of the server's work: a folder the archive
	// cannot go into is found before asking for one.
	if err := checkBackupFolder(out); err != nil {
		return err
	}
	conn, err := a.connect(true)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := pb.NewAdminServiceClient(conn).Backup(ctx, &pb.BackupRequest{})
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// Nothing is created before the server has accepted the backup: a
	// refusal is the first answer.
	first, err := stream.Recv()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("备份：服务器没有发送任何内容")
		}
		return fmt.Errorf("backup: %w", err)
	}
	path, err := backupPath(out, first.GetFilename())
	if err != nil {
		return err
	}
	dst, err := createBackupFile(path)
	if err != nil {
		return err
	}
	defer dst.abort()
	check := newArchiveCheck()
	defer check.stop()

	progress := a.newBackupProgress()
	var size int64
	for msg := first; ; {
		data := msg.GetData()
		if _, err := dst.f.Write(data); err != nil {
			progress.stop()
			return fmt.Errorf("write %s: %w", dst.tmp, err)
		}
		if _, err := check.Write(data); err != nil {
			progress.stop()
			return fmt.Errorf("backup: the archive the server sent is not valid: %w", err)
		}
		size += int64(len(data))
		progress.update(size)
		msg, err = stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			progress.stop()
			return fmt.Errorf("backup: %w", err)
		}
	}
	progress.finish(size)
	m, raw, err := check.result()
	if err != nil {
		return fmt.Errorf("backup: the archive the server sent is not valid: %w", err)
	}
	if err := dst.commit(); err != nil {
		return err
	}
	return a.printBackup(path, size, m, raw)
}

// backupPath is where the archive goes: out; the server's suggested name
// (its base only) in the folder out, or in the current folder when out is
// "".
func backupPath(out, suggested string) (string, error) {
	name := filepath.Base(filepath.Clean("/" + suggested))
	if fi, err := os.Stat(out); out == "" || err == nil && fi.IsDir() {
		if name == "/" || name == "." {
			return "", errors.New("备份：服务器没有建议文件名：请给出 --out 文件")
		}
		return filepath.Join(out, name), nil
	}
	return out, nil
}

// checkBackupFolder fails unless the folder the archive goes into (out
// itself when it is a folder, or names one with a trailing slash; else
// out's parent; the current folder when out is "") exists and takes a
// new file.
func checkBackupFolder(out string) error {
	dir := out
	switch fi, err := os.Stat(out); {
	case out == "":
		dir = "."
	case err == nil && fi.IsDir():
	case strings.HasSuffix(out, "/") || strings.HasSuffix(out, string(filepath.Separator)):
		// A folder was meant, and it does not exist (or is a file).
	default:
		dir = filepath.Dir(out)
	}
	dir = filepath.Clean(dir)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("备份：文件夹 %s 不存在：请先创建，或换一个 --out", dir)
	case err != nil:
		return fmt.Errorf("备份：无法读取文件夹 %s（%v）", dir, err)
	case !fi.IsDir():
		return fmt.Errorf("备份：%s 不是文件夹：请给出一个文件夹或 --out 文件", dir)
	}
	// Only trying to create a file tells for sure (permissions, a
	// read-only disk); the probe is removed at once.
	f, err := os.CreateTemp(dir, ".gridctl-backup-check-*")
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return fmt.Errorf("备份：没有写入文件夹 %s 的权限：请换一个 --out", dir)
		}
		return fmt.Errorf("备份：无法在文件夹 %s 中创建文件：%w", dir, err)
	}
	_ = f.Close()
	_ = os.Remove(f.Name())
	return nil
}

// backupFile is FILE.tmp, renamed to FILE once the archive is whole.
type backupFile struct {
	path, tmp string
	f         *os.File
	done      bool
}

// createBackupFile opens FILE.tmp, readable by the user only: the archive
// holds password hashes and every report.
func createBackupFile(path string) (*backupFile, error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	// A FILE.tmp left by an earlier run keeps its mode through O_TRUNC.
	if err := f.Chmod(0o600); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("backup: %w", err)
	}
	return &backupFile{path: path, tmp: tmp, f: f}, nil
}

// commit syncs FILE.tmp to disk and renames it to FILE.
func (b *backupFile) commit() error {
	if err := b.f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", b.tmp, err)
	}
	if err := b.f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", b.tmp, err)
	}
	if err := os.Rename(b.tmp, b.path); err != nil {
		return fmt.Errorf("write %s: %w", b.path, err)
	}
	b.done = true
	// Make the new name durable too; a folder that cannot be synced
	// (some file systems) still holds the file.
	if d, err := os.Open(filepath.Dir(b.path)); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// abort removes FILE.tmp unless the file was committed.
func (b *backupFile) abort() {
	if b.done {
		return
	}
	_ = b.f.Close()
	_ = os.Remove(b.tmp)
}

// archiveCheck reads a backup archive as it is written to it, and checks
// that it is whole: a gzip stream with a good checksum, holding first a
// manifest naming the database's SHA-256 and the number of photo files,
// then the database, the photos and, last, BACKUP-END.json (format 1,
// from older servers: the manifest last and no end). The server's
// Restore checks it all again (every photo's hash too); this is so that
// a file that is kept is one that will restore.
type archiveCheck struct {
	pw   *io.PipeWriter
	done chan struct{}
	m    *backupManifest
	raw  []byte // the manifest as it was in the archive
	err  error
}

func newArchiveCheck() *archiveCheck {
	pr, pw := io.Pipe()
	c := &archiveCheck{pw: pw, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.m, c.raw, c.err = readArchive(pr)
		// After a failure, writes fail with it rather than block.
		pr.CloseWithError(c.err)
	}()
	return c
}

func (c *archiveCheck) Write(p []byte) (int, error) { return c.pw.Write(p) }

// result ends the archive and returns what readArchive found.
func (c *archiveCheck) result() (*backupManifest, []byte, error) {
	_ = c.pw.Close()
	<-c.done
	return c.m, c.raw, c.err
}

// stop ends the check early, when the backup failed.
func (c *archiveCheck) stop() {
	_ = c.pw.CloseWithError(errors.New("backup stopped"))
	<-c.done
}

// backupEnd is what gridctl reads of BACKUP-END.json.
type backupEnd struct {
	DamagedPhotos []string `json:"damaged_photos"`
}

// readArchive reads a whole backup archive from r and returns its
// manifest, checked against the rest, with the damaged photos that
// BACKUP-END.json names in it (the raw manifest too).
func readArchive(r io.Reader) (*backupManifest, []byte, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, nil, err
	}
	tr := tar.NewReader(zr)
	var (
		m       *backupManifest
		raw     []byte
		end     *backupEnd
		dbSum   string
		dbSize  int64
		photos  int64
		sawDB   bool
		entries int
		last    string // the entry that ended the archive
	)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		if last != "" {
			return nil, nil, fmt.Errorf("%s is not the last entry", last)
		}
		entries++
		switch {
		case hdr.Name == backupDatabaseEntry:
			h := sha256.New()
			if dbSize, err = io.Copy(h, tr); err != nil {
				return nil, nil, err
			}
			dbSum, sawDB = hex.EncodeToString(h.Sum(nil)), true
		case hdr.Name == backupManifestEntry:
			if raw, err = io.ReadAll(io.LimitReader(tr, maxBackupManifestBytes)); err != nil {
				return nil, nil, err
			}
			m = &backupManifest{}
			if err := json.Unmarshal(raw, m); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", backupManifestEntry, err)
			}
			switch {
			case m.Format <= 1:
				last = backupManifestEntry
			case entries != 1:
				return nil, nil, fmt.Errorf("%s is not the first entry", backupManifestEntry)
			}
		case hdr.Name == backupEndEntry && m != nil && m.Format >= 2:
			end = &backupEnd{}
			if err := json.NewDecoder(io.LimitReader(tr, maxBackupManifestBytes)).Decode(end); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", backupEndEntry, err)
			}
			last = backupEndEntry
		case strings.HasPrefix(hdr.Name, backupPhotoPrefix) && hdr.Typeflag == tar.TypeReg:
			photos++
		}
	}
	if _, err := io.Copy(io.Discard, zr); err != nil { // the gzip checksum
		return nil, nil, err
	}
	switch {
	case m == nil:
		return nil, nil, fmt.Errorf("no %s: the archive is incomplete", backupManifestEntry)
	case m.Format < 1 || m.Format > backupFormat:
		return nil, nil, fmt.Errorf("%s says format %d; this gridctl knows formats 1 to %d", backupManifestEntry, m.Format, backupFormat)
	case m.Format >= 2 && end == nil:
		return nil, nil, fmt.Errorf("no %s: the archive is incomplete", backupEndEntry)
	case !sawDB:
		return nil, nil, fmt.Errorf("no %s in the archive", backupDatabaseEntry)
	case dbSum != m.DatabaseSHA256 || dbSize != m.DatabaseBytes:
		return nil, nil, fmt.Errorf("%s is not the one the manifest names", backupDatabaseEntry)
	case photos != m.PhotoFiles:
		return nil, nil, fmt.Errorf("%d photo files, but the manifest says %d", photos, m.PhotoFiles)
	}
	if end != nil && len(end.DamagedPhotos) > 0 {
		m.DamagedPhotos = end.DamagedPhotos
		if raw, err = withDamagedPhotos(raw, end.DamagedPhotos); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", backupManifestEntry, err)
		}
	}
	return m, raw, nil
}

// withDamagedPhotos returns the manifest raw with its damaged_photos set
// to sums, as a manifest of format 1 held them; its other fields, known
// to gridctl or not, stay as they are.
func withDamagedPhotos(raw []byte, sums []string) ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, err
	}
	b, err := json.Marshal(sums)
	if err != nil {
		return nil, err
	}
	fields["damaged_photos"] = b
	return json.Marshal(fields)
}

// printBackup says what was written: with --json, the file, its size and
// the manifest as the archive holds it.
func (a *app) printBackup(path string, size int64, m *backupManifest, raw []byte) error {
	if a.opts.json {
		b, err := json.Marshal(struct {
			File     string          `json:"file"`
			Bytes    int64           `json:"bytes"`
			Manifest json.RawMessage `json:"manifest"`
		}{path, size, raw})
		if err != nil {
			return fmt.Errorf("write json: %w", err)
		}
		return writeIndented(a.stdout, b)
	}
	t := newTable()
	t.add("备份", fmt.Sprintf("%s (%s)", path, formatBytes(size)))
	t.add("备份时间", formatTime(m.CreatedAt))
	t.add("数据库", fmt.Sprintf("%s，结构版本 %d，实例 %s", formatBytes(m.DatabaseBytes), m.SchemaVersion, m.InstanceID))
	t.add("报告", fmt.Sprint(m.Reports))
	t.add("事件", fmt.Sprint(m.Events))
	t.add("巡查", fmt.Sprint(m.Patrols))
	t.add("照片", fmt.Sprintf("%d（%d 个文件，%s）", m.Photos, m.PhotoFiles, formatBytes(m.PhotoBytes)))
	if err := t.write(a.stdout); err != nil {
		return err
	}
	if n := len(m.MissingPhotos) + len(m.DamagedPhotos); n > 0 {
		fmt.Fprintf(a.stderr, "gridctl: 警告：服务器上有 %d 个照片文件缺失或损坏，备份中没有它们；服务器日志列出了它们\n", n)
	}
	return nil
}

// formatBytes writes a size as Windows' Explorer does, in units of 1024
// named KB, MB, GB: 812 字节, 12.3 MB.
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d 字节", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "KMGTPE"[exp])
}

// backupProgress shows how much of the archive has arrived, on stderr
// when it is a terminal, redrawn in place at most every
// backupProgressEvery. Off a terminal it shows nothing.
type backupProgress struct {
	w     io.Writer // nil: off
	last  time.Time
	shown bool
}

func (a *app) newBackupProgress() *backupProgress {
	p := &backupProgress{}
	if a.isTerminal(a.stderr) {
		p.w = a.stderr
	}
	return p
}

func (p *backupProgress) update(n int64) {
	if p.w == nil {
		return
	}
	t := time.Now()
	if p.shown && t.Sub(p.last) < backupProgressEvery {
		return
	}
	p.last, p.shown = t, true
	fmt.Fprintf(p.w, "\r正在接收备份：%s  ", formatBytes(n))
}

// finish draws the final size and ends the line.
func (p *backupProgress) finish(n int64) {
	if p.w == nil {
		return
	}
	fmt.Fprintf(p.w, "\r正在接收备份：%s  \n", formatBytes(n))
	p.shown = false
}

// stop ends the line where it stands, so an error starts on its own.
func (p *backupProgress) stop() {
	if p.w != nil && p.shown {
		fmt.Fprintln(p.w)
		p.shown = false
	}
}

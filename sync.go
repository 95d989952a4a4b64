package gridinspect

import (
	"context"
	"io"
	"time"
)

// Bounds of a sync push.
const (
	MaxPushMutations = 1000
	MaxPushBytes     = 8 << 20
	// MaxPushTrackPoints bounds the points of all the patrols of a push
	// (ten patrols of MaxTrackPoints): a thousand patrols of empty points
	// are a few bytes each on the wire but about a hundred in memory.
	MaxPushTrackPoints = 10 * MaxTrackPoints
)

// Mutation is one write a phone made, offline or not, pushed in a batch.
// Exactly one of Report, Patrol and Action is set; each goes through the
// same path as the online call it stands for.
type Mutation struct {
	ID        string // client-made UUID
	DeviceSeq int64  // rising per user on a device: the order the phone made them in
	Report    *Report
	Patrol    *Patrol
	Action    *Action
	// Raw is the mutation as it was pushed, kept verbatim (opaque to the
	// store) for the quarantine when it cannot be applied.
	Raw []byte
	// Invalid is a problem found in the wire form before the domain saw
	// it (no kind set, say): the mutation is rejected with it.
	Invalid error
}

// ContentHash identifies what a mutation asks for, so that a re-sent
// mutation id can be told from one reused for something else.
func (m *Mutation) ContentHash() string {
	switch {
	case m.Report != nil:
		return "report:" + m.Report.ContentHash()
	case m.Patrol != nil:
		return "patrol:" + m.Patrol.ContentHash()
	case m.Action != nil:
		return "action:" + m.Action.ContentHash()
	}
	return "invalid:" + hashJSON(m.Raw)
}

// MutationOutcome is what became of one mutation; the numbers are the API's.
type MutationOutcome int

// Outcomes.
const (
	OutcomeUnspecified MutationOutcome = iota
	OutcomeApplied                     // applied now
	OutcomeDuplicate                   // applied before; the first result again
	OutcomeConflict                    // kept on the timeline as a conflict; the current state returned
	OutcomeRejected                    // invalid or not permitted; kept in quarantine
)

// MutationResult is the answer to one mutation.
type MutationResult struct {
	MutationID string
	DeviceSeq  int64
	Outcome    MutationOutcome
	Reason     string
	// ReasonChinese is Reason as the person shown it reads it (zh-CN).
	ReasonChinese string
	Fields        []FieldViolation
	Report        *Report
	Event         *Event
	Patrol        *Patrol
}

// EntityType names what a change or removal is about; the numbers are the
// API's.
type EntityType int

// Entity types.
const (
	EntityUnspecified EntityType = iota
	EntityReport
	EntityPatrol
	EntitySubject
	EntityGrid
)

// Change is one thing a phone should store or delete. Exactly one field is
// set; a report comes with its events since the cursor.
type Change struct {
	Report  *Report
	Events  []*Event
	Patrol  *Patrol
	Subject *Subject
	Grid    *Grid
	Removal *Removal
}

// Removal tells a phone to delete something that left its user's scope. A
// grid's removal removes the grid and everything in it.
type Removal struct {
	Type EntityType
	ID   string
}

// PullLimits bound one page of a pull, by count and by size.
type PullLimits struct {
	MaxChanges int
	MaxBytes   int
	// Size returns a change's size on the wire; the store cannot know it.
	Size func(*Change) int
}

// PullPage is one page of changes.
type PullPage struct {
	Changes       []*Change
	NextCursor    string
	HasMore       bool
	ResetRequired bool
}

// Quarantined is a pushed mutation that was rejected, kept as pushed.
type Quarantined struct {
	MutationID string
	DeviceID   string
	DeviceSeq  int64
	UserID     string
	Raw        []byte
	Reason     string
	// ReasonChinese is Reason in zh-CN; "" for one quarantined before
	// the reason was kept in Chinese.
	ReasonChinese string
	Fields        []FieldViolation
	ReceivedAt    time.Time
}

// SyncService is how an offline phone catches up.
type SyncService interface {
	// Push applies a device's mutations in DeviceSeq order, each in its
	// own savepoint, recording each in the ledger in the same transaction
	// as its effect; one mutation's failure never undoes or blocks the
	// others. It returns a result per mutation and the highest DeviceSeq
	// the server holds of what the caller pushed from the device (another
	// user's pushes on the same device id count for that user alone).
	// Errors (for the whole batch):
	// EINVALID (too many, too big), EFORBIDDEN (not the caller's device).
	Push(ctx context.Context, deviceID string, ms []*Mutation) (results []*MutationResult, highestSeq int64, err error)

	// Pull returns what changed in the caller's scope since cursor, in
	// commit order. Errors: EINVALID (a cursor that was tampered with).
	Pull(ctx context.Context, cursor string, lim PullLimits) (*PullPage, error)

	// ListQuarantine lists rejected mutations, newest first. Admins and
	// supervisors of the whole street: EFORBIDDEN otherwise.
	ListQuarantine(ctx context.Context, deviceID string, pageSize int, pageToken string) ([]*Quarantined, string, error)
}

// Photo limits.
const (
	MaxPhotoBytes      = 20 << 20
	MaxPhotoChunkBytes = 1 << 20
)

// PhotoContentTypes are the image formats accepted.
var PhotoContentTypes = []string{"image/jpeg", "image/png", "image/heic", "image/webp"}

// PhotoHeader declares a photo before its bytes.
type PhotoHeader struct {
	ID          string
	ReportID    string
	SHA256      string // lower-case hex of the whole file
	Size        int64
	ContentType string
	TakenAt     time.Time // device time; zero = unknown
	Location    *Location // where it was taken, if known
	UploaderID  string    // set by the server
}

// PhotoStatus says how much of a photo the server holds durably.
type PhotoStatus struct {
	ID        string
	Committed int64
	Size      int64
	Complete  bool
}

// PhotoService stores photos: resumable, verified, content-addressed.
type PhotoService interface {
	// BeginUpload declares a photo (or resumes its upload) and returns how
	// much is already committed. Declaring it again with a different hash
	// or size is EEXISTS. Errors: EINVALID, EEXISTS, EFORBIDDEN (the
	// report outside the caller's scope, like a missing one).
	BeginUpload(ctx context.Context, h *PhotoHeader) (*PhotoStatus, error)

	// WriteChunk appends data at offset, which must equal the committed
	// size (EPRECONDITION saying the committed size otherwise), and makes
	// it durable before answering. The chunk that completes the file has
	// its SHA-256 checked: a mismatch is EINVALID and the partial data is
	// discarded, so the upload starts again from 0.
	WriteChunk(ctx context.Context, photoID string, offset int64, data []byte) (*PhotoStatus, error)

	// AppendChunk is WriteChunk for one chunk of a stream of them: the
	// chunk is written at once but made durable with the stream's later
	// ones (every MiB or second, whichever comes first), at the chunk
	// that completes the photo, or at FlushUpload. The status it returns
	// says what is durable, never more.
	AppendChunk(ctx context.Context, photoID string, offset int64, data []byte) (*PhotoStatus, error)

	// FlushUpload makes durable what AppendChunk wrote, and returns the
	// status. It is called when a stream ends, however it ended: a chunk
	// that reached the disk is committed though the phone hung up.
	FlushUpload(ctx context.Context, photoID string) (*PhotoStatus, error)

	// UploadStatus says how much of a photo is committed (zero for one
	// never declared).
	UploadStatus(ctx context.Context, photoID string) (*PhotoStatus, error)

	// OpenPhoto returns a complete photo's header and its bytes, for
	// anyone allowed to see its report. The caller closes the reader.
	OpenPhoto(ctx context.Context, photoID string) (*PhotoHeader, io.ReadCloser, error)

	// OpenThumbnail returns a small JPEG of a complete photo, its longest
	// side at most ThumbnailMaxSide pixels, made once per content; or,
	// for a photo that cannot be previewed (a format Go cannot decode,
	// such as HEIC, or too many pixels), a placeholder saying so, with
	// Placeholder set. Whoever may open the photo may open its thumbnail,
	// and anyone else gets exactly OpenPhoto's answer. Errors: EINVALID
	// (bad id), ENOTFOUND or EFORBIDDEN (no such complete photo, or one
	// outside the caller's scope), EUNAUTHENTICATED; EINTERNAL if the
	// thumbnail is still to be made and the photo's file is gone.
	OpenThumbnail(ctx context.Context, photoID string) (*Thumbnail, error)
}

// ThumbnailMaxSide is the longest side of a thumbnail, in pixels. A
// smaller photo keeps its size.
const ThumbnailMaxSide = 320

// Thumbnail is a small preview of a photo, for lists, maps and slow links.
type Thumbnail struct {
	// Data is the image, a few tens of kilobytes.
	Data []byte
	// ContentType is Data's: image/jpeg for a thumbnail, image/png for
	// the placeholder.
	ContentType string
	// ETag changes whenever Data does (a thumbnail is named for the
	// photo's SHA-256; the placeholder for its own bytes). It is made of
	// letters, digits and '-': an HTTP layer puts it in quotes as it is.
	ETag string
	// Placeholder says Data is the one "no preview" image, not a picture
	// of this photo.
	Placeholder bool
}

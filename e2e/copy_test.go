package e2e

// CopyObject driven by the real tools (review of issue 14): rclone's
// modification-time update (a server-side copy onto itself with metadata
// REPLACE) and the AWS CLI's s3→s3 copy (CopyObject, and UploadPartCopy
// above its 8 MiB multipart threshold).

import (
	"crypto/md5"
	"encoding/hex"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestRealToolsCopy starts the standalone emulator as TestRealTools does
// and, with an OUTSCALE access key: runs rclone sync twice, changes only
// a file's modification time (touch -d) and syncs a third time, which
// must update the object's modification time in place (rclone says so,
// the object's mtime metadata is the new time, nothing is copied
// again); and copies objects s3→s3 with aws s3 cp, whose copies must
// have the sources' contents.
func TestRealToolsCopy(t *testing.T) {
	awsBin := findTool(t, "aws", "awscli", os.Getenv(awsCLIEnv))
	rcloneBin := findTool(t, "rclone", "rclone", "")
	if awsBin == "" && rcloneBin == "" {
		t.Skip("neither aws nor rclone is installed (Debian packages awscli rclone; .ci/run installs them)")
	}
	ctx := t.Context()
	info := startEmulator(t).info
	key, err := outscaleKey(ctx, info)
	if err != nil {
		t.Fatalf("create an access key through the OUTSCALE emulator: %v", err)
	}
	d := &drive{ctx: ctx, info: info, key: key, check: newCheckClient(info.S3URL, key)}
	t.Run("rclone-modtime", func(t *testing.T) {
		if rcloneBin == "" {
			t.Skip("rclone not installed (Debian package rclone)")
		}
		d.rcloneModTime(t, rcloneBin, "e2e-copy-rclone")
	})
	t.Run("aws-s3-to-s3", func(t *testing.T) {
		if awsBin == "" {
			t.Skip("aws not installed (Debian package awscli)")
		}
		d.awsCopy(t, awsBin, "e2e-copy-aws")
	})
}

// rcloneModTime: sync, sync (nothing to do), touch -d, sync (the
// modification time updated by a server-side copy, no upload).
func (d *drive) rcloneModTime(t *testing.T, bin, bucket string) {
	home := t.TempDir()
	conf := filepath.Join(home, "rclone.conf")
	token := ""
	if d.key.SessionToken != "" {
		token = "session_token = " + d.key.SessionToken + "\n"
	}
	writeConfig(t, conf, "[emu]\ntype = s3\nprovider = Other\nenv_auth = false\naccess_key_id = "+d.key.AccessKeyID+
		"\nsecret_access_key = "+d.key.Secret+"\n"+token+"endpoint = "+d.info.S3URL+"\nregion = "+toolRegion+"\nforce_path_style = true\n")
	rclone := func(args ...string) result {
		t.Helper()
		return run(d.ctx, t, toolEnv(home, "RCLONE_CONFIG="+conf), home, bin, append([]string{"--config", conf}, args...)...)
	}
	remote := "emu:" + bucket
	rclone("mkdir", remote).ok(t)

	src := filepath.Join(home, "src")
	if err := os.MkdirAll(src, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(src, "file.txt")
	writeRandomFile(t, file, 3000, 30)
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(file, old, old); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(rclone("sync", "-v", src, remote).ok(t).stderr, "Copied (new)"); n != 1 {
		t.Fatalf("first rclone sync copied %d files, want 1", n)
	}
	if second := rclone("sync", "-v", src, remote).ok(t); strings.Contains(second.stderr, "Copied") || strings.Contains(second.stderr, "Updated") {
		t.Fatalf("second rclone sync did something (want nothing to do):\n%s", second.stderr)
	}
	etag, _ := d.check.etag(d.ctx, t, bucket, "file.txt")
	before := d.mtimeMeta(t, bucket, "file.txt")

	// Only the modification time changes.
	if out, err := exec.Command("touch", "-d", "2021-06-07 08:09:10.25 UTC", file).CombinedOutput(); err != nil {
		t.Fatalf("touch -d: %v %s", err, out)
	}
	third := rclone("sync", "-v", src, remote).ok(t)
	requireContains(t, "third rclone sync (the modification time changed)", third.stderr, "Updated modification time in destination")
	if strings.Contains(third.stderr, "Copied") || strings.Contains(third.stderr, "ERROR") {
		t.Fatalf("third rclone sync copied or failed (want the modification time updated in place):\n%s", third.stderr)
	}
	after := d.mtimeMeta(t, bucket, "file.txt")
	want := time.Date(2021, 6, 7, 8, 9, 10, 250_000_000, time.UTC)
	secs, err := strconv.ParseFloat(after, 64)
	if err != nil || math.Abs(secs-float64(want.UnixMilli())/1000) > 0.001 || after == before {
		t.Fatalf("x-amz-meta-mtime %q after the third sync (before %q), want %v", after, before, want)
	}
	if got, _ := d.check.etag(d.ctx, t, bucket, "file.txt"); got != etag {
		t.Fatalf("ETag %s after the modification-time update, want the object's %s (same contents)", got, etag)
	}
	requireContains(t, "rclone lsl", rclone("lsl", remote).ok(t).stdout, "2021-06-07 08:09:10.250000000 file.txt")
	t.Logf("rclone: modification time updated by CopyObject (x-amz-meta-mtime %s → %s)", before, after)
	rclone("purge", remote).ok(t)
}

// mtimeMeta returns the object's x-amz-meta-mtime (rclone's modification
// time, seconds since the epoch).
func (d *drive) mtimeMeta(t *testing.T, bucket, key string) string {
	t.Helper()
	out, err := d.check.c.HeadObject(d.ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("HeadObject %s/%s: %v", bucket, key, err)
	}
	v, ok := out.Metadata["mtime"]
	if !ok {
		t.Fatalf("%s/%s has no x-amz-meta-mtime (metadata %v)", bucket, key, out.Metadata)
	}
	return v
}

// awsCopy: aws s3 cp s3://b/x s3://b/y of a small object (CopyObject) and
// of a 9 MiB one (multipart: UploadPartCopy), then the copies downloaded
// and compared with the files.
func (d *drive) awsCopy(t *testing.T, bin, bucket string) {
	home := t.TempDir()
	cfg, creds := filepath.Join(home, "config"), filepath.Join(home, "credentials")
	writeConfig(t, cfg, "[default]\nregion = "+toolRegion+"\noutput = text\ns3 =\n    addressing_style = path\n")
	token := ""
	if d.key.SessionToken != "" {
		token = "aws_session_token = " + d.key.SessionToken + "\n"
	}
	writeConfig(t, creds, "[default]\naws_access_key_id = "+d.key.AccessKeyID+"\naws_secret_access_key = "+d.key.Secret+"\n"+token)
	env := toolEnv(home, "AWS_CONFIG_FILE="+cfg, "AWS_SHARED_CREDENTIALS_FILE="+creds, "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
	aws := func(args ...string) result {
		t.Helper()
		return run(d.ctx, t, env, home, bin, append([]string{"--endpoint-url", d.info.S3URL}, args...)...)
	}
	requireContains(t, "aws s3 mb", aws("s3", "mb", "s3://"+bucket).ok(t).stdout, "make_bucket: "+bucket)
	for i, size := range []int{100 << 10, 9 << 20} {
		name := "x" + strconv.Itoa(i)
		file := writeRandomFile(t, filepath.Join(home, name), size, uint64(40+i))
		x, y := "s3://"+bucket+"/"+name, "s3://"+bucket+"/copies/"+name
		aws("--only-show-errors", "s3", "cp", file, x).ok(t)
		requireContains(t, "aws s3 cp s3→s3", aws("s3", "cp", x, y).ok(t).stdout, "copy: "+x+" to "+y)
		back := filepath.Join(home, name+".back")
		aws("--only-show-errors", "s3", "cp", y, back).ok(t)
		if got, want := fileSHA256(t, back), fileSHA256(t, file); got != want {
			t.Fatalf("%s copied to %s: SHA-256 %s, want the file's %s", x, y, got, want)
		}
		if size > awsPartSize {
			// Copied in parts of 8 MiB: S3's multipart ETag of them.
			d.check.requireMultipart(d.ctx, t, bucket, "copies/"+name, file, awsPartSize)
		} else if etag, _ := d.check.etag(d.ctx, t, bucket, "copies/"+name); etag != `"`+fileMD5(t, file)+`"` {
			t.Fatalf("%s: ETag %s, want the MD5 of the file", y, etag)
		}
		t.Logf("aws s3 cp %s %s: %d bytes, SHA-256 equal", x, y, size)
	}
	aws("s3", "rb", "--force", "s3://"+bucket).ok(t)
	d.check.requireGone(d.ctx, t, bucket, "")
}

// fileMD5 is the hex MD5 of a file (a single-part object's ETag).
func fileMD5(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

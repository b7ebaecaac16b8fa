/*
 * Consoles: fds handed over as console handles and /dev/tty.  A real
 * console (GetConsoleMode succeeds) is read and written as UTF-16 with
 * ReadConsoleW/WriteConsoleW, converting from and to UTF-8, and answers
 * the terminal ioctls with the settings of a fresh Linux terminal.
 */
#include <stdlib.h>
#include <string.h>

#include "vfs.h"
#include "nt.h"
#include "lxnt/linux/poll.h"

/* Length of the complete UTF-8 prefix of s: a sequence cut by the end of
 * the buffer waits for the next write. */
static size_t utf8_complete(const unsigned char *s, size_t n)
{
	size_t i = n, k = 0;

	while (i > 0 && k < 4 && (s[i - 1] & 0xC0) == 0x80) {
		i--;
		k++;
	}
	if (i == 0)
		return n;
	unsigned char lead = s[i - 1];
	size_t need = (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 :
	              (lead & 0xF8) == 0xF0 ? 4 : 1;
	if (need > 1 && k + 1 < need)
		return i - 1;
	return n;
}

static long console_write_locked(struct lx_file *f, const void *buf, size_t n)
{
	HANDLE out = f->handle2 ? f->handle2 : f->handle;
	unsigned char *tmp;
	wchar_t *w;
	size_t total, whole;
	int wn;

	if (n > 64 * 1024)
		n = 64 * 1024;
	tmp = malloc(n + sizeof(f->carry));
	w = malloc((n + sizeof(f->carry)) * sizeof(wchar_t));
	if (!tmp || !w) {
		free(tmp);
		free(w);
		return -LX_ENOMEM;
	}
	memcpy(tmp, f->carry, f->ncarry);
	memcpy(tmp + f->ncarry, buf, n);
	total = f->ncarry + n;
	whole = utf8_complete(tmp, total);
	wn = whole ? MultiByteToWideChar(CP_UTF8, 0, (char *)tmp, (int)whole, w, (int)total) : 0;
	f->ncarry = total - whole;
	memcpy(f->carry, tmp + whole, f->ncarry);
	for (int done = 0; done < wn;) {
		DWORD put = 0;
		if (!WriteConsoleW(out, w + done, (DWORD)(wn - done), &put, NULL)) {
			long err = lx_errno_from_win32(GetLastError());
			free(tmp);
			free(w);
			return err;
		}
		if (put == 0)
			break; /* a console that takes nothing would loop forever */
		done += (int)put;
	}
	free(tmp);
	free(w);
	return (long)n;
}

/* Serves converted console text left from an earlier read first; a line
 * read ends in "\r\n", which a Linux terminal delivers as "\n". */
static long console_read_locked(struct lx_file *f, void *buf, size_t n)
{
	wchar_t w[1024];
	DWORD got = 0;
	int len;

	if (f->pending_off < f->npending) {
		size_t k = f->npending - f->pending_off;
		if (k > n)
			k = n;
		memcpy(buf, f->pending + f->pending_off, k);
		f->pending_off += k;
		return (long)k;
	}
	if (!ReadConsoleW(f->handle, w, 1024, &got, NULL))
		return lx_errno_from_win32(GetLastError());
	if (got == 0)
		return 0;
	/* A line holding only Ctrl-Z (the Windows convention) or Ctrl-D is end
	 * of file, as ^D at the start of a line is for a Linux terminal. */
	if ((w[0] == 0x1a || w[0] == 0x04) && (got == 1 || (got == 3 && w[1] == L'\r')))
		return 0;
	len = WideCharToMultiByte(CP_UTF8, 0, w, (int)got, NULL, 0, NULL, NULL);
	free(f->pending);
	f->pending = malloc((size_t)len + 1);
	if (!f->pending)
		return -LX_ENOMEM;
	len = WideCharToMultiByte(CP_UTF8, 0, w, (int)got, f->pending, len, NULL, NULL);
	f->npending = 0;
	for (int i = 0; i < len; i++)
		if (!(f->pending[i] == '\r' && i + 1 < len && f->pending[i + 1] == '\n'))
			f->pending[f->npending++] = f->pending[i];
	f->pending_off = 0;
	return console_read_locked(f, buf, n);
}

/* The carried UTF-8 bytes and the pending input belong to the open file
 * description, so that calls through dup'ed fds stay in order. */
static long console_write(struct lx_file *f, const void *buf, size_t n, int64_t *pos)
{
	long r;

	(void)pos;
	lx_file_lock(f);
	r = console_write_locked(f, buf, n);
	lx_file_unlock(f);
	return r;
}

static long console_read(struct lx_file *f, void *buf, size_t n, int64_t *pos)
{
	long r;

	(void)pos;
	lx_file_lock(f);
	r = console_read_locked(f, buf, n);
	lx_file_unlock(f);
	return r;
}

static long console_stat(struct lx_file *f, struct lx_kstat *st)
{
	memset(st, 0, sizeof(*st));
	st->dev = lx_synth_dev();
	st->ino = 0x100 + (uint64_t)(uintptr_t)f->handle;
	st->nlink = 1;
	st->mode = LX_S_IFCHR | 0620;
	st->rdev = lx_makedev(136, 0); /* a pseudo-terminal, /dev/pts/0 */
	lx_kstat_owner(st);
	return 0;
}

/* Termios values a fresh Linux pty has (tty_std_termios of tty_io.c). */
static void default_termios(struct lx_termios *t)
{
	static const uint8_t cc[LX_NCCS] = {
		[LX_VINTR] = 3, [LX_VQUIT] = 0x1c, [LX_VERASE] = 0x7f, [LX_VKILL] = 0x15,
		[LX_VEOF] = 4, [LX_VTIME] = 0, [LX_VMIN] = 1, [LX_VSTART] = 0x11,
		[LX_VSTOP] = 0x13, [LX_VSUSP] = 0x1a };

	memset(t, 0, sizeof(*t));
	t->c_iflag = LX_ICRNL | LX_IXON | LX_IUTF8;
	t->c_oflag = LX_OPOST | LX_ONLCR;
	t->c_cflag = LX_B38400 | LX_CS8 | LX_CREAD | LX_HUPCL;
	t->c_lflag = LX_ISIG | LX_ICANON | LX_ECHO | LX_ECHOE | LX_ECHOK | LX_ECHOCTL |
	             LX_ECHOKE | LX_IEXTEN;
	memcpy(t->c_cc, cc, sizeof(cc));
}

static long console_winsize(struct lx_file *f, uint64_t arg)
{
	CONSOLE_SCREEN_BUFFER_INFO info;
	struct lx_winsize ws = { 0 };
	HANDLE out = f->handle2 ? f->handle2 : f->handle;
	HANDLE opened = NULL;

	if (!GetConsoleScreenBufferInfo(out, &info)) {
		opened = CreateFileW(L"CONOUT$", GENERIC_READ | GENERIC_WRITE,
		                     FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
		if (opened == INVALID_HANDLE_VALUE || !GetConsoleScreenBufferInfo(opened, &info)) {
			if (opened != INVALID_HANDLE_VALUE)
				CloseHandle(opened);
			info.srWindow.Left = info.srWindow.Top = 0;
			info.srWindow.Right = 79;
			info.srWindow.Bottom = 23;
			opened = NULL;
		}
	}
	if (opened)
		CloseHandle(opened);
	ws.ws_col = (uint16_t)(info.srWindow.Right - info.srWindow.Left + 1);
	ws.ws_row = (uint16_t)(info.srWindow.Bottom - info.srWindow.Top + 1);
	return lx_copy_to_user(arg, &ws, sizeof(ws));
}

static long console_ioctl(struct lx_file *f, unsigned cmd, uint64_t arg)
{
	struct lx_termios t;
	int n;

	switch (cmd) {
	case LX_TCGETS:
		default_termios(&t);
		return lx_copy_to_user(arg, &t, sizeof(t));
	case LX_TIOCGWINSZ:
		return console_winsize(f, arg);
	case LX_FIONREAD:
		/* Console input events are not bytes: only text already read counts. */
		n = (int)(f->npending - f->pending_off);
		return lx_copy_to_user(arg, &n, sizeof(n));
	default:
		return -LX_ENOTTY;
	}
}

/* True when the console's input queue holds a whole line: a line-mode
 * ReadConsoleW returns only after Enter, as a canonical Linux terminal is
 * readable only once a line is complete (n_tty_poll). */
static bool console_line_ready(HANDLE in)
{
	INPUT_RECORD rec[64];
	DWORD count = 0;

	if (!GetNumberOfConsoleInputEvents(in, &count) || count == 0)
		return false;
	if (!PeekConsoleInputW(in, rec, 64, &count))
		return false;
	for (DWORD i = 0; i < count; i++) {
		const KEY_EVENT_RECORD *k = &rec[i].Event.KeyEvent;
		if (rec[i].EventType == KEY_EVENT && k->bKeyDown &&
		    (k->wVirtualKeyCode == VK_RETURN || k->uChar.UnicodeChar == L'\r'))
			return true;
	}
	return false;
}

static unsigned console_poll(struct lx_file *f)
{
	unsigned mask = 0;

	if ((f->flags & LX_O_ACCMODE) != LX_O_WRONLY) {
		lx_file_lock(f);
		bool text = f->pending_off < f->npending;
		lx_file_unlock(f);
		if (text || console_line_ready(f->handle))
			mask |= LX_POLLIN | LX_POLLRDNORM;
	}
	if ((f->flags & LX_O_ACCMODE) != LX_O_RDONLY)
		mask |= LX_POLLOUT | LX_POLLWRNORM;
	return mask;
}

static const struct lx_file_ops console_ops = {
	.read = console_read,
	.write = console_write,
	.stat = console_stat,
	.ioctl = console_ioctl,
	.release = lx_stream_release,
	.poll = console_poll,
};

long lx_console_file_new(void *in, void *out, unsigned flags, struct lx_file **out_file)
{
	struct lx_file *f = lx_file_new(&console_ops, flags);

	if (!f)
		return -LX_ENOMEM;
	f->handle = in;
	f->handle2 = out;
	*out_file = f;
	return 0;
}

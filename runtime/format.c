/*
 * A small printf for diagnostics and the syscall tracer.  The runtime does
 * not use the C library's printf: msvcrt's formatter lacks %zu and would
 * drag locale state into a process whose console belongs to the guest.
 */
#include "lx.h"

struct outbuf {
	char *buf;
	size_t size;
	size_t len; /* what the full output would take */
};

static void put(struct outbuf *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_padded(struct outbuf *o, const char *s, size_t n, int width, bool left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (!left)
		while (fill-- > 0)
			put(o, pad);
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
	if (left)
		while (fill-- > 0)
			put(o, ' ');
}

static size_t utoa(char *end, unsigned long long v, unsigned base)
{
	static const char digits[] = "0123456789abcdef";
	char *p = end;

	do {
		*--p = digits[v % base];
		v /= base;
	} while (v);
	return (size_t)(end - p);
}

int lx_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct outbuf o = { buf, size, 0 };

	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		f++;
		bool left = false;
		char pad = ' ';
		for (;; f++) {
			if (*f == '-')
				left = true;
			else if (*f == '0')
				pad = '0';
			else
				break;
		}
		int width = 0;
		if (*f == '*') {
			width = va_arg(ap, int);
			f++;
		}
		while (*f >= '0' && *f <= '9')
			width = width * 10 + (*f++ - '0');
		int prec = -1;
		if (*f == '.') {
			f++;
			prec = 0;
			if (*f == '*') {
				prec = va_arg(ap, int);
				f++;
			}
			while (*f >= '0' && *f <= '9')
				prec = prec * 10 + (*f++ - '0');
		}
		/* The argument's size: int, long (32 bits on Windows, 64 on
		 * Linux: va_arg of long is right on both), or 64 bits for ll
		 * and z. */
		int nl = 0;
		bool wide = false;
		while (*f == 'l' || *f == 'z' || *f == 'h') {
			nl += *f == 'l';
			wide |= *f == 'z';
			f++;
		}
		wide |= nl >= 2;
		char num[24], *end = num + sizeof(num);
		unsigned long long u;
		size_t n;
		switch (*f) {
		case 'd':
		case 'i': {
			long long v = wide ? va_arg(ap, long long) : nl ? va_arg(ap, long) : va_arg(ap, int);
			bool neg = v < 0;
			n = utoa(end, neg ? 0ULL - (unsigned long long)v : (unsigned long long)v, 10);
			if (neg) {
				num[sizeof(num) - n - 1] = '-';
				n++;
			}
			put_padded(&o, end - n, n, width, left, pad);
			break;
		}
		case 'u':
		case 'x':
		case 'o':
			u = wide ? va_arg(ap, unsigned long long)
			         : nl ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
			n = utoa(end, u, *f == 'u' ? 10 : *f == 'x' ? 16 : 8);
			put_padded(&o, end - n, n, width, left, pad);
			break;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			n = utoa(end, u, 16);
			put(&o, '0');
			put(&o, 'x');
			put_padded(&o, end - n, n, width, left, pad);
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);
			put_padded(&o, &c, 1, width, left, ' ');
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			n = 0;
			while (s[n] && (prec < 0 || n < (size_t)prec))
				n++;
			put_padded(&o, s, n, width, left, ' ');
			break;
		}
		case '%':
			put(&o, '%');
			break;
		default:
			return -1;
		}
	}
	if (o.size)
		o.buf[o.len < o.size ? o.len : o.size - 1] = '\0';
	return (int)o.len;
}

int lx_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = lx_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

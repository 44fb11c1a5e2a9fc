/*
 * bgwrite.h - a FILE whose bytes a thread of its own writes to a file
 * descriptor, so that a long output's making and its write(2) calls run on
 * two cores. A million-row export spent a third of its time in the kernel,
 * copying its 78 MB into the page cache, while nothing else ran. Leaf:
 * libc and pthreads.
 *
 * The bytes go round BGWRITE_BLOCKS blocks of BGWRITE_BLOCK bytes each: the
 * writer is never more than that behind, and memory does not grow with the
 * output. One thread writes to the FILE, as with any FILE.
 */
#ifndef NOCTURNE_BGWRITE_H
#define NOCTURNE_BGWRITE_H

#include <stdio.h>

#define BGWRITE_BLOCK (1024 * 1024)
#define BGWRITE_BLOCKS 4

/*
 * A FILE writing to fd in the background; fd stays the caller's (fclose
 * does not close it). Once a write(2) has failed, every later write to the
 * FILE fails (ferror) with that errno. fclose() writes what is left, waits
 * for it, and returns EOF with errno set if any write failed; then fd holds
 * every byte written (the caller syncs and closes it). NULL with errno on
 * failure (no memory, no thread).
 */
FILE *bgwrite_open(int fd);

#endif

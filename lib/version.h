/*
 * version.h - the version of the nocturne tools: printed by --version and
 * sent as the back office's User-Agent.
 */
#ifndef NOCTURNE_VERSION_H
#define NOCTURNE_VERSION_H

#define NOCTURNE_VERSION "1.0.0"

#endif

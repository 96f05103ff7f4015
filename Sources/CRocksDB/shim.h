#ifndef CEPHEUS_CROCKSDB_SHIM_H
#define CEPHEUS_CROCKSDB_SHIM_H
// RocksDB's C API (Debian: librocksdb-dev), as one Swift module.
#include <rocksdb/c.h>
#endif

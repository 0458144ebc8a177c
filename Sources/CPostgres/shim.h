// libpq, PostgreSQL's own C client (Debian: libpq-dev). Synchronous, like the rest of the engine.
#include <libpq-fe.h>

// The only place in the package that includes hiredis. Everything above it
// goes through AnimaRedis.RedisConnection.
#include <hiredis/hiredis.h>

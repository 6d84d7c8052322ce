#!/bin/sh
# check-style.sh - lint run by `make check`: raw malloc/calloc/realloc/free only
# in src/common/mem.c (allocation goes through arenas and the mem_ wrappers).
top=${1:-.}
bad=$(grep -nE '(^|[^_a-z])(malloc|calloc|realloc|free|strdup)\(' "$top"/src/*/*.c 2>/dev/null |
      grep -v '^'"$top"'/src/common/mem.c:' | grep -vE '//|/\*.*\*/|^\S+:\s*\*' )
if [ -n "$bad" ]; then
    echo "check-style: raw allocation outside src/common/mem.c (use mem_*):" >&2
    echo "$bad" >&2
    exit 1
fi
exit 0

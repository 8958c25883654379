#!/usr/bin/env bash
# pg_server.sh start|stop DIR [PORT] - a throw-away PostgreSQL server for the catalog tests.
#
# start: initdb in DIR (a fresh folder; given to the "postgres" user when run as root, since
#        PostgreSQL refuses to run as root), password authentication for user "lakehouse" with
#        the password in $PGPASSWORD (kept out of every command line), listening on
#        127.0.0.1:PORT only, socket in DIR; creates database "lake"; returns when it answers.
#        Prints the catalog string: postgres:dbname=lake host=127.0.0.1 port=PORT user=lakehouse
# stop:  fast shutdown; DIR is left to the caller.
set -euo pipefail
cmd=$1 dir=$2
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -n "$bin" ] || bin=$(dirname "$(command -v initdb)")
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cd / # the caller's folder may be closed to the postgres user

case $cmd in
start)
  port=${3:?PORT}
  : "${PGPASSWORD:?set PGPASSWORD}"
  mkdir -p "$dir"
  [ "$(id -u)" != 0 ] || chown postgres "$dir"
  chmod 700 "$dir"
  pwfile=$dir/pw
  (umask 077; printf '%s\n' "$PGPASSWORD" >"$pwfile")
  [ "$(id -u)" != 0 ] || chown postgres "$pwfile"
  as_pg "$bin/initdb" -D "$dir/data" -U lakehouse --auth=scram-sha-256 --pwfile="$pwfile" \
    -E UTF8 --no-instructions >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  rm -f "$pwfile"
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >/dev/null ||
    { cat "$dir/server.log" >&2; exit 1; }
  "$bin/createdb" -h 127.0.0.1 -p "$port" -U lakehouse lake
  echo "postgres:dbname=lake host=127.0.0.1 port=$port user=lakehouse"
  ;;
stop)
  [ -d "$dir/data" ] || exit 0
  as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  ;;
*)
  echo "usage: pg_server.sh start|stop DIR [PORT]" >&2
  exit 2
  ;;
esac

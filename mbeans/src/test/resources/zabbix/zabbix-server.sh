#!/bin/sh
# A throwaway Zabbix 6.0 server for ZabbixPushIT, from Debian's packages: its own PostgreSQL
# cluster (initdb, trust on loopback), Debian's schema imported, zabbix_server on 127.0.0.1, and the
# frontend (for its JSON-RPC API) served by PHP's built-in web server from a copy of
# /usr/share/zabbix whose conf/zabbix.conf.php points at that database. Nothing outside DIR is
# changed; nothing listens beyond loopback. The trapper also speaks TLS with certificates: setup
# makes a CA, the server's certificate (for 127.0.0.1) and an agent's (DIR/tls; subjects below),
# and each host's "Connections from host" decides what it accepts.
#   zabbix-server.sh setup DIR PG_PORT TRAPPER_PORT WEB_PORT   creates and starts everything
#   zabbix-server.sh stop-server DIR | start-server DIR        the Zabbix server alone (the fault test)
#   zabbix-server.sh cache-reload DIR                          zabbix_server -R config_cache_reload, and
#                                                              waits until that sync is done
#   zabbix-server.sh teardown DIR                              stops everything started (SIGTERM)
set -eu
cmd=$1
dir=$2
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

as_pg() { # initdb and postgres refuse to run as root
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A CA (CN=taskwatch-test-ca), the server's certificate (CN and IP 127.0.0.1, serverAuth) and an
# agent's (CN=taskwatch-agent, clientAuth), each key unencrypted, valid two days.
tls() {
    t=$1
    mkdir -p "$t"
    o() { openssl "$@" >>"$t/openssl.log" 2>&1; }
    o req -x509 -newkey rsa:2048 -nodes -keyout "$t/ca.key" -out "$t/ca.crt" -days 2 -subj /CN=taskwatch-test-ca
    printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$t/server.ext"
    printf 'extendedKeyUsage=clientAuth\n' >"$t/agent.ext"
    for name in server agent; do
        case $name in server) subj=/CN=127.0.0.1 ;; *) subj=/CN=taskwatch-agent ;; esac
        o req -newkey rsa:2048 -nodes -keyout "$t/$name.key" -out "$t/$name.csr" -subj "$subj"
        o x509 -req -in "$t/$name.csr" -CA "$t/ca.crt" -CAkey "$t/ca.key" -CAcreateserial -days 2 \
            -extfile "$t/$name.ext" -out "$t/$name.crt"
    done
}

case $cmd in
setup)
    pg_port=$3 trapper_port=$4 web_port=$5
    mkdir -p "$dir/pg" "$dir/run" "$dir/log"
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir/pg"; chmod 755 "$dir"; fi
    as_pg "$pgbin/initdb" -D "$dir/pg/data" -U zabbix --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/log/initdb.log" 2>&1
    as_pg "$pgbin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/postgres.log" -w -t 120 \
        -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=$dir/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >"$dir/log/pg_ctl.log" 2>&1
    tls "$dir/tls"
    psql="psql -q -h 127.0.0.1 -p $pg_port -U zabbix -v ON_ERROR_STOP=1"
    $psql -d postgres -c 'CREATE DATABASE zabbix' >/dev/null
    for f in schema images data; do
        zcat "/usr/share/zabbix-server-pgsql/$f.sql.gz" | $psql -d zabbix >"$dir/log/import-$f.log" 2>&1
    done
    cat >"$dir/zabbix_server.conf" <<CONF
ListenIP=127.0.0.1
ListenPort=$trapper_port
DBHost=127.0.0.1
DBPort=$pg_port
DBName=zabbix
DBUser=zabbix
PidFile=$dir/run/zabbix_server.pid
SocketDir=$dir/run
LogFile=$dir/log/zabbix_server.log
LogFileSize=0
AllowRoot=1
StartPollers=1
StartPollersUnreachable=1
StartPingers=0
StartDiscoverers=0
StartHTTPPollers=0
StartTrappers=2
StartLLDProcessors=1
StartHistoryPollers=1
StartPreprocessors=1
StartAlerters=1
StartEscalators=1
StartTimers=1
StartReportWriters=0
StartODBCPollers=0
CacheUpdateFrequency=60
Timeout=10
TLSCAFile=$dir/tls/ca.crt
TLSCertFile=$dir/tls/server.crt
TLSKeyFile=$dir/tls/server.key
CONF
    sh "$0" start-server "$dir"
    cp -r /usr/share/zabbix "$dir/web"
    # Debian's frontend reads /etc/zabbix/zabbix.conf.php: the copy reads its own
    sed -i "s#const CONFIG_FILE_PATH = '[^']*';#const CONFIG_FILE_PATH = '$dir/web/conf/zabbix.conf.php';#" \
        "$dir/web/include/classes/core/CConfigFile.php"
    grep -q "$dir/web/conf/zabbix.conf.php" "$dir/web/include/classes/core/CConfigFile.php"
    cat >"$dir/web/conf/zabbix.conf.php" <<PHP
<?php
\$DB['TYPE'] = 'POSTGRESQL';
\$DB['SERVER'] = '127.0.0.1';
\$DB['PORT'] = '$pg_port';
\$DB['DATABASE'] = 'zabbix';
\$DB['USER'] = 'zabbix';
\$DB['PASSWORD'] = '';
\$DB['SCHEMA'] = '';
\$DB['ENCRYPTION'] = false;
\$DB['KEY_FILE'] = '';
\$DB['CERT_FILE'] = '';
\$DB['CA_FILE'] = '';
\$DB['VERIFY_HOST'] = false;
\$DB['CIPHER_LIST'] = '';
\$DB['VAULT_URL'] = '';
\$DB['VAULT_DB_PATH'] = '';
\$DB['VAULT_TOKEN'] = '';
\$DB['DOUBLE_IEEE754'] = true;
\$ZBX_SERVER = '127.0.0.1';
\$ZBX_SERVER_PORT = '$trapper_port';
\$ZBX_SERVER_NAME = 'taskwatch-test';
\$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
PHP
    # PHP_CLI_SERVER_WORKERS: the API answers while another request waits
    PHP_CLI_SERVER_WORKERS=2 setsid php -d memory_limit=512M -d post_max_size=16M -d max_execution_time=300 \
        -S "127.0.0.1:$web_port" -t "$dir/web" >"$dir/log/php.log" 2>&1 </dev/null &
    echo $! >"$dir/run/php.pid"
    ;;
start-server)
    zabbix_server -c "$dir/zabbix_server.conf"
    ;;
stop-server)
    pid=$(cat "$dir/run/zabbix_server.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; then
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
    fi
    ;;
cache-reload)
    # -R only asks: wait until the configuration syncer has synced after the request. Its title
    # says "syncing configuration" while it syncs, then "synced configuration in S sec, idle N sec"
    # with that sync's own time. A request during a sync is refused, so first let one end.
    main=$(cat "$dir/run/zabbix_server.pid")
    syncer() { ps --ppid "$main" -o args= | grep 'configuration syncer' || true; }
    idle() {
        i=0
        while :; do
            title=$(syncer)
            case $title in *idle*) return 0 ;; esac
            i=$((i + 1))
            if [ $i -ge 600 ]; then echo "the configuration syncer not idle within 60 s: $title" >&2; exit 1; fi
            sleep 0.1
        done
    }
    idle
    before=$title
    zabbix_server -c "$dir/zabbix_server.conf" -R config_cache_reload
    i=0
    while :; do
        idle
        [ "$title" != "$before" ] && break
        i=$((i + 1))
        if [ $i -ge 600 ]; then echo "no configuration sync within 60 s of the request: $title" >&2; exit 1; fi
        sleep 0.1
    done
    ;;
teardown)
    # PHP's server and its workers: the process group setsid made
    if [ -f "$dir/run/php.pid" ]; then kill -TERM "-$(cat "$dir/run/php.pid")" 2>/dev/null || true; fi  # dash: no "--"
    sh "$0" stop-server "$dir" || true
    if [ -d "$dir/pg/data" ]; then as_pg "$pgbin/pg_ctl" -D "$dir/pg/data" -m fast -w stop >/dev/null 2>&1 || true; fi
    ;;
*)
    echo "usage: $0 setup|start-server|stop-server|cache-reload|teardown DIR ..." >&2
    exit 2
    ;;
esac

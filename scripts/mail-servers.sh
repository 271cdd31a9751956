#!/usr/bin/env bash
# Real mail servers for the e-mail tests, all on 127.0.0.1 and non-default ports, configs in one directory:
#   Dovecot (IMAP $IMAP_PORT, LMTP $LMTP_PORT), Postfix (SMTP $SMTP_PORT, delivers to Dovecot over LMTP)
#   and an aiosmtpd sink (SMTP $SINK_PORT) that saves what Escalade sends into $DIR/sink/.
# Usage: scripts/mail-servers.sh [start|stop|status]   (start is idempotent; prints KEY=VALUE lines)
# Needs root (Postfix runs system-wide) and the packages in scripts/system-packages.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${ESCALADE_MAILSERVERS_DIR:-/tmp/escalade-mailservers}
IMAP_PORT=${ESCALADE_MAILSERVERS_IMAP_PORT:-1143}
LMTP_PORT=${ESCALADE_MAILSERVERS_LMTP_PORT:-2424}
SMTP_PORT=${ESCALADE_MAILSERVERS_SMTP_PORT:-2525}
SINK_PORT=${ESCALADE_MAILSERVERS_SINK_PORT:-8025}
DOMAIN=example.test
USERS="support crash race poll"
PASSWORD=secret
PYTHON=${PYTHON:-.venv/bin/python}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { for _ in $(seq 50); do listening "$1" && return 0; sleep 0.2; done; echo "port $1 did not open" >&2; return 1; }

start_dovecot() {
  id vmail >/dev/null 2>&1 || useradd --system --home-dir "$DIR/home" --shell /usr/sbin/nologin vmail
  mkdir -p "$DIR/run" "$DIR/home"
  chown vmail:vmail "$DIR/home"
  : > "$DIR/users"
  for user in $USERS; do echo "$user@$DOMAIN:{PLAIN}$PASSWORD" >> "$DIR/users"; done
  cat > "$DIR/dovecot.conf" <<CONF
protocols = imap lmtp
listen = 127.0.0.1
base_dir = $DIR/run
state_dir = $DIR/run/state
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = $DIR/dovecot.log
mail_location = maildir:~/Maildir
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DIR/users
}
userdb {
  driver = static
  args = uid=vmail gid=vmail home=$DIR/home/%n
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP_PORT
  }
}
protocol lmtp {
  postmaster_address = postmaster@$DOMAIN
}
CONF
  mkdir -p "$DIR/run/state"
  if listening "$IMAP_PORT"; then doveadm -c "$DIR/dovecot.conf" reload 2>/dev/null || true
  # Daemons must not inherit our stdout/stderr: a caller reading them through a pipe would wait forever.
  else dovecot -c "$DIR/dovecot.conf" </dev/null >>"$DIR/daemons.log" 2>&1; fi
  wait_port "$IMAP_PORT"; wait_port "$LMTP_PORT"
}

start_postfix() {
  [ -f /etc/postfix/main.cf ] || cp /usr/share/postfix/main.cf.debian /etc/postfix/main.cf
  postconf -e "inet_interfaces = loopback-only" "inet_protocols = ipv4" "mydestination =" \
    "mynetworks = 127.0.0.0/8" "virtual_mailbox_domains = $DOMAIN" \
    "virtual_transport = lmtp:inet:127.0.0.1:$LMTP_PORT" "myhostname = mail.$DOMAIN" \
    "maillog_file_prefixes = /var, /dev/stdout, $DIR" "maillog_file = $DIR/postfix.log" \
    "smtpd_relay_restrictions = permit_mynetworks, reject" "message_size_limit = 52428800"
  postconf -M# smtp/inet 2>/dev/null || true
  postconf -Me "127.0.0.1:$SMTP_PORT/inet=127.0.0.1:$SMTP_PORT inet n - n - - smtpd"
  newaliases 2>/dev/null || true
  if postfix status >/dev/null 2>&1; then postfix reload </dev/null >>"$DIR/daemons.log" 2>&1
  else postfix start </dev/null >>"$DIR/daemons.log" 2>&1; fi
  wait_port "$SMTP_PORT"
}

start_sink() {
  mkdir -p "$DIR/sink"
  if ! listening "$SINK_PORT"; then
    nohup "$PYTHON" scripts/smtp_sink.py "$SINK_PORT" "$DIR/sink" </dev/null > "$DIR/sink.log" 2>&1 &
    echo $! > "$DIR/sink.pid"
  fi
  wait_port "$SINK_PORT"
}

case "${1:-start}" in
  start)
    mkdir -p "$DIR"
    start_dovecot; start_postfix; start_sink
    echo "MAIL_DIR=$DIR"; echo "IMAP_PORT=$IMAP_PORT"; echo "SMTP_PORT=$SMTP_PORT"; echo "SINK_PORT=$SINK_PORT"
    echo "DOMAIN=$DOMAIN"; echo "USERS=$USERS"; echo "PASSWORD=$PASSWORD"
    ;;
  stop)
    [ -f "$DIR/dovecot.conf" ] && dovecot -c "$DIR/dovecot.conf" stop 2>/dev/null || true
    postfix stop >/dev/null 2>&1 || true
    [ -f "$DIR/sink.pid" ] && kill "$(cat "$DIR/sink.pid")" 2>/dev/null || true
    rm -f "$DIR/sink.pid"
    echo "stopped"
    ;;
  status)
    for port in "$IMAP_PORT" "$SMTP_PORT" "$SINK_PORT"; do
      if listening "$port"; then echo "$port up"; else echo "$port down"; fi
    done
    ;;
  *) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Start dovecot (IMAP 127.0.0.1:10143, LMTP :10024, SASL auth :10026) and postfix
# (SMTP 127.0.0.1:10025) for tests and benchmarks. Idempotent: a server whose port is already
# open is left alone. Needs root and the packages in scripts/apt/mail-test.txt.
# Every user@example.test logs in with password `secret` (static passdb), so each test can use
# a fresh mailbox; alice@example.test and bob@example.test are the documented ones.
# State lives in $OS1_MAIL_STATE (default /tmp/os1-services/mail). Adapted from shared/recipes.
set -euo pipefail
M=${OS1_MAIL_STATE:-/tmp/os1-services/mail}
open() { (echo > /dev/tcp/127.0.0.1/$1) 2>/dev/null; }
waitport() { for _ in $(seq 300); do open "$1" && return 0; sleep 0.05; done; echo "mail_up: port $1 never opened" >&2; return 1; }
command -v dovecot >/dev/null || { echo "mail_up: dovecot is not installed (see scripts/apt/mail-test.txt)" >&2; exit 1; }

if ! open 10143; then
  mkdir -p "$M/run" "$M/state" "$M/users"
  id vmail >/dev/null 2>&1 || useradd --system --home-dir "$M/users" --shell /usr/sbin/nologin vmail
  chown vmail:vmail "$M/users"
  cat > "$M/dovecot.conf" <<C
protocols = imap lmtp
listen = 127.0.0.1
base_dir = $M/run
state_dir = $M/state
log_path = $M/dovecot.log
info_log_path = $M/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
mail_uid = vmail
mail_gid = vmail
first_valid_uid = 1
mail_max_userip_connections = 100
# tests try wrong passwords: no failure delay, no per-IP auth penalty
auth_failure_delay = 0
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
passdb {
  driver = static
  args = password=secret
}
userdb {
  driver = static
  args = uid=vmail gid=vmail home=$M/users/%Lu
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Drafts {
    special_use = \Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \Trash
    auto = subscribe
  }
  mailbox Archive {
    special_use = \Archive
    auto = subscribe
  }
  mailbox Junk {
    special_use = \Junk
    auto = subscribe
  }
}
protocol imap {
  mail_plugins = \$mail_plugins
  imap_idle_notify_interval = 1 secs
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = 10143
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = 10024
  }
}
service auth {
  inet_listener {
    address = 127.0.0.1
    port = 10026
  }
}
protocol lmtp {
  auth_username_format = %Lu
}
C
  dovecot -c "$M/dovecot.conf" -n > /dev/null   # config check
  rm -f "$M/run/master.pid"
  dovecot -c "$M/dovecot.conf"   # daemonizes; pid in $M/run/master.pid
fi

if ! open 10025; then
  postconf -e \
    'inet_interfaces = loopback-only' \
    'inet_protocols = ipv4' \
    'myhostname = mail.example.test' \
    'mydestination =' \
    'mynetworks = 127.0.0.0/8' \
    'relayhost =' \
    'virtual_mailbox_domains = example.test' \
    'virtual_transport = lmtp:inet:127.0.0.1:10024' \
    'smtpd_sasl_auth_enable = yes' \
    'smtpd_sasl_type = dovecot' \
    'smtpd_sasl_path = inet:127.0.0.1:10026' \
    'smtpd_tls_security_level = none' \
    'smtp_tls_security_level = none' \
    'smtpd_relay_restrictions = permit_sasl_authenticated, permit_mynetworks, reject_unauth_destination' \
    'default_transport = error:outside mail is disabled in tests' \
    'relay_transport = error:outside mail is disabled in tests' \
    'maillog_file = /var/log/postfix.log' \
    'smtpd_error_sleep_time = 0' \
    'message_size_limit = 52428800' \
    'smtpd_recipient_limit = 10000' \
    'compatibility_level = 3.6'
  postconf -M '127.0.0.1:10025/inet=127.0.0.1:10025 inet n - n - - smtpd'
  postconf -MX 'smtp/inet' || true
  postconf -F '*/*/chroot = n'
  postfix check
  postfix start >/dev/null 2>&1 || postfix reload >/dev/null 2>&1
fi
waitport 10143
waitport 10025

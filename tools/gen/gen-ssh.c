/*
 * gen-ssh.c — SSH-2 sessions for gl-gen (RFC 4253): identification banners,
 * both KEXINIT messages (client profiles differ, so HASSH differs), an
 * ECDH/curve25519 key exchange (RFC 5656 / RFC 8731 message layout), NEWKEYS,
 * then encrypted binary packets framed like chacha20-poly1305@openssh.com
 * (encrypted 4-byte length, ciphertext in 8-byte blocks, 16-byte tag): an
 * interactive shell or a bulk scp-like transfer.
 */

typedef struct SshProfile {
    const char *banner;
    const char *kex, *hostkey, *enc, *mac;
} SshProfile;

/* chacha20-poly1305 first in every list (OpenSSH's own preference), so the
 * negotiated cipher matches the framing of the encrypted packets */
static const SshProfile SSH_CLIENTS[] = {
    {"SSH-2.0-OpenSSH_9.6",
     "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
     "ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
     "diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,ext-info-c,"
     "kex-strict-c-v00@openssh.com",
     "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,ssh-ed25519,"
     "ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256",
     "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,"
     "aes192-ctr,aes256-ctr",
     "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
     "hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,hmac-sha2-256,hmac-sha2-512"},
    {"SSH-2.0-PuTTY_Release_0.80",
     "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
     "diffie-hellman-group-exchange-sha256,diffie-hellman-group14-sha256,ext-info-c",
     "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256,ssh-rsa",
     "chacha20-poly1305@openssh.com,aes256-ctr,aes256-cbc,aes192-ctr,aes128-ctr,aes128-gcm@openssh.com",
     "hmac-sha2-256,hmac-sha1,hmac-sha2-256-etm@openssh.com"},
    {"SSH-2.0-paramiko_3.4.0",
     "curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
     "diffie-hellman-group16-sha512,diffie-hellman-group-exchange-sha256,ext-info-c",
     "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256,ssh-rsa",
     "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-cbc",
     "hmac-sha2-256,hmac-sha2-512,hmac-sha2-256-etm@openssh.com,hmac-sha1"},
    {"SSH-2.0-Go",
     "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
     "ecdh-sha2-nistp521,diffie-hellman-group14-sha256,ext-info-c",
     "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-256,rsa-sha2-512",
     "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr",
     "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256"},
};

static const SshProfile SSH_SERVERS[] = {
    {"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6",
     "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
     "ecdh-sha2-nistp521,sntrup761x25519-sha512@openssh.com,diffie-hellman-group-exchange-sha256,"
     "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256",
     "rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519",
     "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
     "aes256-gcm@openssh.com",
     "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
     "hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,hmac-sha2-256,hmac-sha2-512"},
    {"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2",
     "sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,"
     "ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,"
     "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,"
     "kex-strict-s-v00@openssh.com",
     "rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519",
     "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr",
     "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512"},
    {"SSH-2.0-dropbear_2022.83",
     "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp521,ecdh-sha2-nistp384,"
     "ecdh-sha2-nistp256,diffie-hellman-group14-sha256,kexguess2@matt.ucc.asn.au",
     "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-256",
     "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes128-ctr,aes256-ctr",
     "hmac-sha2-256,hmac-sha2-512"},
};

static void ssh_string(Buf *b, const void *s, size_t n)
{
    buf_be32(b, (uint32_t)n);
    buf_put(b, s, n);
}

static void ssh_cstring(Buf *b, const char *s) { ssh_string(b, s, strlen(s)); }

/* unencrypted binary packet: block size 8, at least 4 bytes of padding */
static void ssh_plain_packet(Gen *g, Buf *out, const Buf *payload)
{
    size_t pad = 8 - ((5 + payload->len) % 8);
    if (pad < 4)
        pad += 8;
    buf_be32(out, (uint32_t)(1 + payload->len + pad));
    buf_u8(out, (uint8_t)pad);
    buf_put(out, payload->p, payload->len);
    fill_noise(g, out, pad);
}

/* encrypted binary packet for `plen` payload bytes: with chacha20-poly1305
 * even the length is ciphertext; body padded to 8-byte blocks, then the tag */
static void ssh_sealed_packet(Gen *g, Buf *out, size_t plen)
{
    size_t body = 1 + plen + 4;
    body = (body + 7) / 8 * 8;
    fill_noise(g, out, 4 + body + 16);
}

static void ssh_kexinit(Gen *g, Buf *out, const SshProfile *pr)
{
    Buf m = {0};
    buf_u8(&m, 20); /* SSH_MSG_KEXINIT */
    fill_noise(g, &m, 16);
    ssh_cstring(&m, pr->kex);
    ssh_cstring(&m, pr->hostkey);
    ssh_cstring(&m, pr->enc);
    ssh_cstring(&m, pr->enc);
    ssh_cstring(&m, pr->mac);
    ssh_cstring(&m, pr->mac);
    ssh_cstring(&m, "none,zlib@openssh.com");
    ssh_cstring(&m, "none,zlib@openssh.com");
    ssh_cstring(&m, "");
    ssh_cstring(&m, "");
    buf_u8(&m, 0);   /* first_kex_packet_follows */
    buf_be32(&m, 0); /* reserved */
    ssh_plain_packet(g, out, &m);
    free(m.p);
}

static void ssh_ecdh_init(Gen *g, Buf *out)
{
    Buf m = {0};
    buf_u8(&m, 30); /* SSH_MSG_KEX_ECDH_INIT */
    buf_be32(&m, 32);
    fill_noise(g, &m, 32);
    ssh_plain_packet(g, out, &m);
    free(m.p);
}

static void ssh_ecdh_reply(Gen *g, Buf *out)
{
    Buf m = {0}, blob = {0};
    buf_u8(&m, 31); /* SSH_MSG_KEX_ECDH_REPLY */
    ssh_cstring(&blob, "ssh-ed25519");
    buf_be32(&blob, 32);
    fill_noise(g, &blob, 32);
    ssh_string(&m, blob.p, blob.len); /* K_S: host key */
    buf_be32(&m, 32);
    fill_noise(g, &m, 32);            /* Q_S */
    blob.len = 0;
    ssh_cstring(&blob, "ssh-ed25519");
    buf_be32(&blob, 64);
    fill_noise(g, &blob, 64);
    ssh_string(&m, blob.p, blob.len); /* signature of the exchange hash */
    ssh_plain_packet(g, out, &m);
    free(m.p);
    free(blob.p);
}

static void ssh_newkeys(Gen *g, Buf *out)
{
    Buf m = {0};
    buf_u8(&m, 21); /* SSH_MSG_NEWKEYS */
    ssh_plain_packet(g, out, &m);
    free(m.p);
}

static void render_ssh(Gen *g, Slot *s)
{
    Rng *r = &g->rng;
    const SshProfile *cl = &PICK(r, SSH_CLIENTS), *sv = &PICK(r, SSH_SERVERS);
    Path p;
    uint16_t port = rng_pct(r, 90) ? 22 : 2222; /* separate draws: see body_json */
    path_new(g, &p, want_v6(g), port);
    Tcp c;
    tcp_init(&c, g, s, &p);
    tcp_handshake(&c);
    Buf m = {0};
    /* the server speaks first, the client answers with its own banner */
    buf_printf(&m, "%s\r\n", sv->banner);
    tcp_msg(&c, DIR_S2C, m.p, m.len, rng_range(r, 500, 5000));
    m.len = 0;
    buf_printf(&m, "%s\r\n", cl->banner);
    tcp_msg(&c, DIR_C2S, m.p, m.len, rng_range(r, 100, 2000));
    g->st.ssh_banners += 2;
    m.len = 0;
    ssh_kexinit(g, &m, cl);
    tcp_msg(&c, DIR_C2S, m.p, m.len, rng_range(r, 50, 500));
    m.len = 0;
    ssh_kexinit(g, &m, sv);
    tcp_msg(&c, DIR_S2C, m.p, m.len, rng_range(r, 100, 1000));
    m.len = 0;
    ssh_ecdh_init(g, &m);
    tcp_msg(&c, DIR_C2S, m.p, m.len, rng_range(r, 100, 1000));
    m.len = 0;
    ssh_ecdh_reply(g, &m);
    ssh_newkeys(g, &m);
    tcp_msg(&c, DIR_S2C, m.p, m.len, rng_range(r, 500, 5000));
    m.len = 0;
    ssh_newkeys(g, &m);
    ssh_sealed_packet(g, &m, 20); /* SERVICE_REQUEST ssh-userauth */
    tcp_msg(&c, DIR_C2S, m.p, m.len, rng_range(r, 100, 1000));
    /* authentication round trips */
    uint32_t rounds = rng_range(r, 2, 4);
    for (uint32_t i = 0; i < rounds; i++) {
        m.len = 0;
        ssh_sealed_packet(g, &m, rng_range(r, 20, 120));
        tcp_msg(&c, DIR_S2C, m.p, m.len, rng_range(r, 200, 3000));
        m.len = 0;
        ssh_sealed_packet(g, &m, rng_range(r, 40, 400));
        tcp_msg(&c, DIR_C2S, m.p, m.len, rng_range(r, 500, 20000));
    }
    if (rng_pct(r, 60)) { /* interactive: keystrokes and echoes */
        /* the sample must stay a couple of seconds long: a fast typist there */
        uint32_t keys = rng_range(r, 5, g->o.sample ? 12 : 40);
        uint32_t pause = g->o.sample ? 60000 : 300000;
        for (uint32_t i = 0; i < keys; i++) {
            m.len = 0;
            ssh_sealed_packet(g, &m, 10);
            tcp_msg(&c, DIR_C2S, m.p, m.len, rng_range(r, 20000, pause));
            m.len = 0;
            ssh_sealed_packet(g, &m, rng_pct(r, 85) ? 10 : rng_range(r, 100, 2000));
            tcp_msg(&c, DIR_S2C, m.p, m.len, rng_range(r, 200, 2000));
        }
    } else { /* bulk: 32 KiB channel data packets */
        uint32_t total = rng_range(r, 20000, g->o.max_body ? g->o.max_body : 2000000), sent = 0;
        m.len = 0;
        while (sent < total) {
            uint32_t n = total - sent > 32768 ? 32768 : total - sent;
            ssh_sealed_packet(g, &m, n);
            sent += n;
        }
        tcp_msg(&c, DIR_S2C, m.p, m.len, rng_range(r, 1000, 20000));
    }
    free(m.p);
    tcp_finish(&c);
}

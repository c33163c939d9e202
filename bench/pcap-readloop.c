/*
 * pcap-readloop.c — the floor for the benchmark: libpcap reading a capture
 * and doing nothing else.
 *
 * guanlan, ndpiReader and this loop all read the same file through
 * pcap_open_offline + pcap_next_ex, so the time this loop takes is the part
 * of everyone's time that is I/O and libpcap, not analysis.  It counts
 * packets and captured bytes and folds one byte of every packet into a
 * checksum, so the compiler cannot drop the reads.
 *
 * usage: pcap-readloop FILE   ->  prints "packets N bytes N seconds S checksum C"
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE.pcap\n", argv[0]);
        return 2;
    }
    char errbuf[PCAP_ERRBUF_SIZE];
    double start = now_seconds();
    pcap_t *p = pcap_open_offline(argv[1], errbuf);
    if (p == NULL) {
        fprintf(stderr, "pcap-readloop: %s\n", errbuf);
        return 1;
    }

    uint64_t packets = 0, bytes = 0;
    uint32_t checksum = 0;
    struct pcap_pkthdr *hdr;
    const u_char *data;
    int rc;
    while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
        packets++;
        bytes += hdr->caplen;
        /* touch the packet (its last byte: the one farthest from the header) */
        if (hdr->caplen > 0)
            checksum = checksum * 31u + data[hdr->caplen - 1];
    }
    int failed = (rc == PCAP_ERROR);
    if (failed)
        fprintf(stderr, "pcap-readloop: %s\n", pcap_geterr(p));
    pcap_close(p);
    double seconds = now_seconds() - start;

    printf("packets %llu bytes %llu seconds %.6f checksum %u\n",
           (unsigned long long)packets, (unsigned long long)bytes, seconds, checksum);
    return failed;
}

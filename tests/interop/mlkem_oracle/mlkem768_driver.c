/*
 * Our side of tests/interop/mlkem_oracle.sh: for each input line
 *     d z m random_ct bad_index bad_value     (hex, hex, hex, hex, decimal, decimal)
 * prints one line
 *     ek dk ct k k_decaps k_random_ct bad_ek_rc
 * where ek, dk come from mlkem768_keygen_derand(d, z), ct, k from mlkem768_encaps_derand(ek, m),
 * k_decaps = mlkem768_decaps(ct, dk), k_random_ct = mlkem768_decaps(random_ct, dk), and bad_ek_rc is
 * what mlkem768_encaps_derand returns for ek with 12-bit coefficient bad_index set to bad_value.
 * Exits 1 on malformed input or an unexpected library error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/pq.h"

static int unhex(const char *hex, uint8_t *out, size_t n)
{
	if (strlen(hex) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static void put_hex(const uint8_t *b, size_t n, char end)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	putchar(end);
}

static void set_coefficient(uint8_t *ek, unsigned index, unsigned value)
{
	uint8_t *b = ek + 3 * (index / 2);
	if (index % 2 == 0) {
		b[0] = (uint8_t)value;
		b[1] = (uint8_t)((b[1] & 0xf0) | (value >> 8));
	} else {
		b[1] = (uint8_t)((b[1] & 0x0f) | (value & 0x0f) << 4);
		b[2] = (uint8_t)(value >> 4);
	}
}

int main(void)
{
	static char d_hex[80], z_hex[80], m_hex[80], c_hex[2 * MLKEM768_CIPHERTEXT_BYTES + 8];
	unsigned bad_index, bad_value;

	while (scanf("%79s %79s %79s %2183s %u %u", d_hex, z_hex, m_hex, c_hex, &bad_index, &bad_value) == 6) {
		uint8_t d[32], z[32], m[32], random_ct[MLKEM768_CIPHERTEXT_BYTES];
		uint8_t ek[MLKEM768_PUBLIC_KEY_BYTES], dk[MLKEM768_SECRET_KEY_BYTES], ct[MLKEM768_CIPHERTEXT_BYTES];
		uint8_t k[32], k_decaps[32], k_random[32], bad_ct[MLKEM768_CIPHERTEXT_BYTES], bad_k[32];

		if (unhex(d_hex, d, 32) || unhex(z_hex, z, 32) || unhex(m_hex, m, 32) ||
		    unhex(c_hex, random_ct, sizeof(random_ct)) || bad_index >= 768 || bad_value > 4095) {
			fprintf(stderr, "mlkem768_driver: malformed input line\n");
			return 1;
		}
		if (mlkem768_keygen_derand(d, z, ek, dk) || mlkem768_encaps_derand(ct, k, ek, m) ||
		    mlkem768_decaps(k_decaps, ct, dk) || mlkem768_decaps(k_random, random_ct, dk)) {
			fprintf(stderr, "mlkem768_driver: library error\n");
			return 1;
		}
		put_hex(ek, sizeof(ek), ' ');
		put_hex(dk, sizeof(dk), ' ');
		put_hex(ct, sizeof(ct), ' ');
		put_hex(k, sizeof(k), ' ');
		put_hex(k_decaps, sizeof(k_decaps), ' ');
		put_hex(k_random, sizeof(k_random), ' ');
		set_coefficient(ek, bad_index, bad_value);
		printf("%d\n", mlkem768_encaps_derand(bad_ct, bad_k, ek, m));
	}
	return ferror(stdin) ? 1 : 0;
}

/*
 * Internals of sntrup761 (Streamlined NTRU Prime, "NTRU Prime: round 3", NIST PQC submission,
 * 2020), shared by sntrup761*.c and their unit tests. Not part of the library interface.
 *
 * Rings: R/q = Z_q[x]/(x^p - x - 1) with coefficients in [-(q-1)/2, (q-1)/2] ("Fq", int16_t),
 * and R/3 with coefficients in {-1, 0, 1} ("small", int8_t). Everything here runs in time
 * independent of secret data, except the Decode functions, which only ever see public bytes.
 */
#ifndef BURROW_CRYPTO_SNTRUP761_INTERNAL_H
#define BURROW_CRYPTO_SNTRUP761_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#define SNTRUP761_P 761   /* degree of x^p - x - 1 */
#define SNTRUP761_Q 4591  /* the prime q */
#define SNTRUP761_Q12 ((SNTRUP761_Q - 1) / 2)
#define SNTRUP761_W 286   /* weight of "short" polynomials */

/* Byte lengths of the encodings (the spec's "Encoding" and parameter sets). */
#define SNTRUP761_SMALL_BYTES ((SNTRUP761_P + 3) / 4) /* 191: 4 coefficients a byte */
#define SNTRUP761_RQ_BYTES 1158                        /* Encode with M = q */
#define SNTRUP761_ROUNDED_BYTES 1007                   /* Encode with M = (q+2)/3 */
#define SNTRUP761_HASH_BYTES 32

/* ---- arithmetic (sntrup761_poly.c) ---- */
/* x mod q, centred; any |x| < 2^30. */
int16_t sntrup761_fq_freeze(int32_t x);
/* x mod 3, centred; any |x| < 2^30. */
int8_t sntrup761_f3_freeze(int32_t x);
/* h = f*g in R/q; g's coefficients may be any of -2..2 (a malformed secret key decodes to 2). */
void sntrup761_rq_mult_small(int16_t h[SNTRUP761_P], const int16_t f[SNTRUP761_P], const int8_t g[SNTRUP761_P]);
/* h = 3f in R/q. */
void sntrup761_rq_mult3(int16_t h[SNTRUP761_P], const int16_t f[SNTRUP761_P]);
/* h = f*g in R/3; inputs -2..2, output {-1, 0, 1}. */
void sntrup761_r3_mult(int8_t h[SNTRUP761_P], const int8_t f[SNTRUP761_P], const int8_t g[SNTRUP761_P]);
/* out = (in mod 3) coefficientwise: R/q -> R/3 after lifting to R. */
void sntrup761_r3_from_rq(int8_t out[SNTRUP761_P], const int16_t in[SNTRUP761_P]);
/* out = 1/in in R/3; returns 0 when in is invertible, -1 when not (out is then garbage). */
int sntrup761_r3_recip(int8_t out[SNTRUP761_P], const int8_t in[SNTRUP761_P]);
/* out = 1/(3*in) in R/q; returns 0 when invertible, -1 when not (only for in == 0). */
int sntrup761_rq_recip3(int16_t out[SNTRUP761_P], const int8_t in[SNTRUP761_P]);
/* 0 when r has exactly w nonzero coefficients, -1 otherwise. */
int sntrup761_weight_w_mask(const int8_t r[SNTRUP761_P]);

/* ---- sampling (sntrup761_sample.c); words are little-endian 32-bit random values ---- */
/* Sorts n words in place with a fixed sequence of compare-exchanges (Batcher). */
void sntrup761_sort_u32(uint32_t *x, size_t n);
/* Short_fromlist: a polynomial with exactly w coefficients in {-1, 1}, the rest 0. */
void sntrup761_short_from_list(int8_t out[SNTRUP761_P], const uint32_t words[SNTRUP761_P]);
/* Small_random's map of each word to {-1, 0, 1}. */
void sntrup761_small_from_list(int8_t out[SNTRUP761_P], const uint32_t words[SNTRUP761_P]);

/* ---- encodings (sntrup761_encode.c) ---- */
/* The spec's Encode/Decode of R[i] in [0, M[i]) with 1 < M[i] <= 16384; Decode reduces every output
 * below its M[i], so any byte string decodes to something well defined. n <= SNTRUP761_P
 * (larger n: nothing is written, and the length is 0). */
size_t sntrup761_encoded_len(const uint16_t *m, size_t n);
void sntrup761_encode(uint8_t *out, const uint16_t *r, const uint16_t *m, size_t n);
void sntrup761_decode(uint16_t *out, const uint8_t *in, const uint16_t *m, size_t n);

void sntrup761_small_encode(uint8_t out[SNTRUP761_SMALL_BYTES], const int8_t f[SNTRUP761_P]);
/* A 2-bit field of 3 decodes to 2, as in the spec; only our own secret keys are decoded. */
void sntrup761_small_decode(int8_t f[SNTRUP761_P], const uint8_t in[SNTRUP761_SMALL_BYTES]);
void sntrup761_rq_encode(uint8_t out[SNTRUP761_RQ_BYTES], const int16_t h[SNTRUP761_P]);
void sntrup761_rq_decode(int16_t h[SNTRUP761_P], const uint8_t in[SNTRUP761_RQ_BYTES]);
/* Round each coefficient to the nearest multiple of 3, then encode. */
void sntrup761_rounded_encode(uint8_t out[SNTRUP761_ROUNDED_BYTES], const int16_t h[SNTRUP761_P]);
void sntrup761_rounded_decode(int16_t c[SNTRUP761_P], const uint8_t in[SNTRUP761_ROUNDED_BYTES]);

#endif

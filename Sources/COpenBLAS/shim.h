// The C boundary of Replenish: OpenBLAS's CBLAS plus the Fortran LAPACK routines it exports.
//
// Debian's libopenblas-dev ships the Fortran LAPACK symbols (dgels_, dgelsd_, ...) but no LAPACKE,
// so they are declared here against the Fortran ABI: every argument by pointer, column-major storage,
// 32-bit integers (LP64 build), and one hidden trailing `size_t` length per CHARACTER argument
// (gfortran's calling convention; omitting it is undefined behaviour).
#ifndef REPLENISH_COPENBLAS_SHIM_H
#define REPLENISH_COPENBLAS_SHIM_H

#include <stddef.h>
#include <cblas.h>

typedef int lapack_int;

/// Least squares / minimum norm by QR or LQ (full rank only).
void dgels_(const char *trans, const lapack_int *m, const lapack_int *n, const lapack_int *nrhs,
            double *a, const lapack_int *lda, double *b, const lapack_int *ldb,
            double *work, const lapack_int *lwork, lapack_int *info, size_t trans_len);

/// Minimum-norm least squares by divide-and-conquer SVD; reports the effective rank.
void dgelsd_(const lapack_int *m, const lapack_int *n, const lapack_int *nrhs,
             double *a, const lapack_int *lda, double *b, const lapack_int *ldb,
             double *s, const double *rcond, lapack_int *rank,
             double *work, const lapack_int *lwork, lapack_int *iwork, lapack_int *info);

/// Cholesky factorisation of a symmetric positive definite matrix.
void dpotrf_(const char *uplo, const lapack_int *n, double *a, const lapack_int *lda,
             lapack_int *info, size_t uplo_len);

/// Solve A X = B with the Cholesky factor from dpotrf_.
void dpotrs_(const char *uplo, const lapack_int *n, const lapack_int *nrhs,
             const double *a, const lapack_int *lda, double *b, const lapack_int *ldb,
             lapack_int *info, size_t uplo_len);

/// Eigenvalues and eigenvectors of a symmetric matrix (divide and conquer).
void dsyevd_(const char *jobz, const char *uplo, const lapack_int *n, double *a, const lapack_int *lda,
             double *w, double *work, const lapack_int *lwork, lapack_int *iwork, const lapack_int *liwork,
             lapack_int *info, size_t jobz_len, size_t uplo_len);

/// QR factorisation A = Q R (Householder, blocked).
void dgeqrf_(const lapack_int *m, const lapack_int *n, double *a, const lapack_int *lda, double *tau,
             double *work, const lapack_int *lwork, lapack_int *info);

/// Forms the m×n matrix Q with orthonormal columns from dgeqrf_'s reflectors.
void dorgqr_(const lapack_int *m, const lapack_int *n, const lapack_int *k, double *a, const lapack_int *lda,
             const double *tau, double *work, const lapack_int *lwork, lapack_int *info);

#endif

// Package clp solves linear programmes with COIN-OR CLP, the simplex
// solver of the COIN-OR project (Debian: coinor-libclp-dev), through its C
// interface. It is the one package that links CLP; callers see Go types.
//
// A Model holds equality constraints rows·x = rhs over x >= 0 and is
// solved for one objective after another: each solve starts from the
// basis of the one before, so the ranges of many figures over one set of
// constraints cost a few pivots each.
package clp

/*
#cgo pkg-config: clp
#include <stdlib.h>
#include "Clp_C_Interface.h"
*/
import "C"

import (
	"errors"
	"math"
	"unsafe"
)

// ErrInfeasible is returned when the constraints have no solution.
var ErrInfeasible = errors.New("clp: the constraints have no solution")

// ErrUnbounded is returned when the objective has no bound.
var ErrUnbounded = errors.New("clp: the objective is unbounded")

// ErrFailed is returned when CLP stops without a proof either way.
var ErrFailed = errors.New("clp: the solver stopped without an answer")

// Row is one constraint's non-zero coefficients.
type Row struct {
	Cols []int32
	Coef []float64
}

// Model is a linear programme with equality constraints over non-negative
// variables. It is not safe for use by several goroutines at once.
type Model struct {
	m      unsafe.Pointer // a Clp_Simplex
	ncols  int
	obj    []C.double
	solved bool
}

// New loads rows·x = rhs, x >= 0 for ncols variables. Close frees it.
func New(ncols int, rows []Row, rhs []float64) *Model {
	// Column-major: CLP's loadProblem takes the matrix by columns.
	counts := make([]int, ncols+1)
	for _, r := range rows {
		for _, c := range r.Cols {
			counts[c+1]++
		}
	}
	for i := 1; i <= ncols; i++ {
		counts[i] += counts[i-1]
	}
	nnz := counts[ncols]
	start := make([]C.CoinBigIndex, ncols+1)
	for i := range start {
		start[i] = C.CoinBigIndex(counts[i])
	}
	index := make([]C.int, max(nnz, 1))
	value := make([]C.double, max(nnz, 1))
	next := append([]int(nil), counts[:ncols]...)
	for ri, r := range rows {
		for k, c := range r.Cols {
			p := next[c]
			next[c]++
			index[p] = C.int(ri)
			value[p] = C.double(r.Coef[k])
		}
	}
	collb := make([]C.double, max(ncols, 1))
	colub := make([]C.double, max(ncols, 1))
	for i := range colub {
		colub[i] = C.double(math.Inf(1))
	}
	obj := make([]C.double, max(ncols, 1))
	rowb := make([]C.double, max(len(rows), 1))
	for i, b := range rhs {
		rowb[i] = C.double(b)
	}
	m := unsafe.Pointer(C.Clp_newModel())
	C.Clp_setLogLevel(m, 0)
	C.Clp_loadProblem(m, C.int(ncols), C.int(len(rows)),
		(*C.CoinBigIndex)(unsafe.Pointer(&start[0])), (*C.int)(unsafe.Pointer(&index[0])), (*C.double)(unsafe.Pointer(&value[0])),
		(*C.double)(unsafe.Pointer(&collb[0])), (*C.double)(unsafe.Pointer(&colub[0])), (*C.double)(unsafe.Pointer(&obj[0])),
		(*C.double)(unsafe.Pointer(&rowb[0])), (*C.double)(unsafe.Pointer(&rowb[0])))
	return &Model{m: m, ncols: ncols, obj: obj}
}

// Close frees the model.
func (m *Model) Close() {
	if m.m != nil {
		C.Clp_deleteModel(m.m)
		m.m = nil
	}
}

// Minimise returns the least value of obj·x over the solutions. It
// returns ErrInfeasible, ErrUnbounded or ErrFailed when there is none.
func (m *Model) Minimise(obj []float64) (float64, error) {
	for i := range m.ncols {
		m.obj[i] = C.double(obj[i])
	}
	C.Clp_chgObjCoefficients(m.m, (*C.double)(unsafe.Pointer(&m.obj[0])))
	C.Clp_setOptimizationDirection(m.m, 1)
	if !m.solved {
		// The first solve presolves and crashes a basis; the next ones
		// start from the basis of the one before.
		C.Clp_initialSolve(m.m)
		m.solved = true
	} else {
		C.Clp_primal(m.m, 0)
	}
	switch {
	case C.Clp_isProvenOptimal(m.m) != 0:
		return float64(C.Clp_objectiveValue(m.m)), nil
	case C.Clp_isProvenPrimalInfeasible(m.m) != 0:
		return 0, ErrInfeasible
	case C.Clp_isProvenDualInfeasible(m.m) != 0:
		return math.Inf(-1), ErrUnbounded
	}
	return 0, ErrFailed
}

package chain

import (
	"crypto/ed25519"
	"crypto/sha512"
	"sync"

	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
)

// This file is a faster ed25519 verification that decides exactly as
// crypto/ed25519.Verify does, for every input.
//
// Verify accepts when the encoding of R' = [S]B − [k]A equals the
// signature's first half, with k = SHA-512(R ‖ A ‖ M) mod L and S < L.
// crypto/ed25519 computes R' with a sliding-window double-scalar
// multiplication: about 253 point doublings per signature. Here both B
// and −A are fixed bases: a table of their multiples j·256^i·P (j ≤ 8,
// i < 32, as Go's own base-point table) turns each scalar into 64 table
// additions and four doublings. The point decoding, the scalar checks,
// the hash and the final encoding are the same code (filippo.io/edwards25519
// is crypto/internal/fips140/edwards25519's public twin), and the formulas
// are the complete extended-coordinate formulas Go uses, so R' is the same
// group element and the decision the same — FuzzVerifyMatchesStdlib and
// the small-order and non-canonical cases of TestVerifyMatchesStdlib check
// it.
//
// A table costs about three verifications to build and 30 KB to keep, so
// a key gets one only from its keyTableAfter-th signature on; keys seen
// less often go through crypto/ed25519. At most maxKeyTables keys keep
// tables; a new one then replaces one at random.

const (
	keyTableAfter = 3
	maxKeyTables  = 64
	maxKeyCounts  = 4096 // keys counted toward keyTableAfter before the count restarts
)

// verifyEd25519 reports whether sig is a valid ed25519 signature of msg by
// pub, deciding as crypto/ed25519.Verify. pub must be 32 bytes.
func verifyEd25519(pub, msg, sig []byte) bool {
	var key [32]byte
	copy(key[:], pub)
	tab := keyTables.get(key)
	if tab == nil {
		return ed25519.Verify(pub, msg, sig)
	}
	return tab.verify(msg, sig)
}

// verify is verifyEd25519 with the key's table.
func (tab *keyTable) verify(msg, sig []byte) bool {
	if !tab.valid || len(sig) != ed25519.SignatureSize || sig[63]&224 != 0 {
		return false
	}
	h := sha512.New()
	h.Write(sig[:32])
	h.Write(tab.key[:])
	h.Write(msg)
	var digest [64]byte
	k, err := new(edwards25519.Scalar).SetUniformBytes(h.Sum(digest[:0]))
	if err != nil {
		panic("chain: a 64-byte digest is always a uniform scalar")
	}
	s, err := new(edwards25519.Scalar).SetCanonicalBytes(sig[32:])
	if err != nil {
		return false
	}
	var r point
	r.doubleBaseMul(&tab.minusA, k, baseTable(), s)
	var enc [32]byte
	r.encode(&enc)
	return enc == [32]byte(sig[:32])
}

// keyTableCache holds the tables of the keys that sign often.
type keyTableCache struct {
	mu     sync.Mutex
	counts map[[32]byte]int
	tables map[[32]byte]*keyTable
}

var keyTables = keyTableCache{counts: make(map[[32]byte]int), tables: make(map[[32]byte]*keyTable)}

// keyTable is a key's decoded point and table of −A; valid is false for
// bytes that are not a point (every signature by them is invalid).
type keyTable struct {
	once   sync.Once
	key    [32]byte
	valid  bool
	minusA fixedTable
}

// newKeyTable builds the table of key.
func newKeyTable(key [32]byte) *keyTable {
	t := &keyTable{key: key}
	t.once.Do(t.build)
	return t
}

// get returns key's table, built on first use, or nil while the key has
// signed fewer than keyTableAfter times. It is safe for concurrent use.
func (c *keyTableCache) get(key [32]byte) *keyTable {
	c.mu.Lock()
	t := c.tables[key]
	if t == nil {
		n := c.counts[key] + 1
		if n < keyTableAfter {
			if len(c.counts) >= maxKeyCounts {
				clear(c.counts)
			}
			c.counts[key] = n
			c.mu.Unlock()
			return nil
		}
		delete(c.counts, key)
		if len(c.tables) >= maxKeyTables {
			for k := range c.tables { // a random one: map order
				delete(c.tables, k)
				break
			}
		}
		t = &keyTable{key: key}
		c.tables[key] = t
	}
	c.mu.Unlock()
	t.once.Do(t.build)
	return t
}

func (t *keyTable) build() {
	a, err := new(edwards25519.Point).SetBytes(t.key[:])
	if err != nil {
		return
	}
	t.valid = true
	var p point
	p.fromPoint(new(edwards25519.Point).Negate(a))
	t.minusA.build(&p)
}

var (
	baseOnce sync.Once
	baseTab  fixedTable
)

// baseTable is the table of the base point B.
func baseTable() *fixedTable {
	baseOnce.Do(func() {
		var p point
		p.fromPoint(edwards25519.NewGeneratorPoint())
		baseTab.build(&p)
	})
	return &baseTab
}

// point is a point in extended coordinates: x = X/Z, y = Y/Z, xy = T/Z.
type point struct{ X, Y, Z, T field.Element }

// niels is an affine point as (y+x, y−x, 2d·x·y), what a mixed addition
// reads.
type niels struct{ ypx, ymx, xy2d field.Element }

// fixedTable holds j·256^i·P for i < 32 and j = 1…8: the signed radix-16
// digits of a scalar pick one entry per digit.
type fixedTable [32][8]niels

var d2 = func() *field.Element { // 2·d
	d, err := new(field.Element).SetBytes([]byte{
		0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75, 0xab, 0xd8, 0x41, 0x41, 0x4d, 0x0a, 0x70, 0x00,
		0x98, 0xe8, 0x79, 0x77, 0x79, 0x40, 0xc7, 0x8c, 0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52})
	if err != nil {
		panic(err)
	}
	return new(field.Element).Add(d, d)
}()

func (p *point) fromPoint(q *edwards25519.Point) {
	x, y, z, t := q.ExtendedCoordinates()
	p.X.Set(x)
	p.Y.Set(y)
	p.Z.Set(z)
	p.T.Set(t)
}

func (p *point) identity() {
	p.X.Zero()
	p.Y.One()
	p.Z.One()
	p.T.Zero()
}

// double sets p = 2q (dbl-2008-hwcd, a = −1).
func (p *point) double(q *point) {
	var a, b, c, e, f, g, h field.Element
	a.Square(&q.X)
	b.Square(&q.Y)
	c.Square(&q.Z)
	c.Add(&c, &c)
	e.Add(&q.X, &q.Y)
	e.Square(&e)
	h.Add(&a, &b)      // A + B
	e.Subtract(&h, &e) // A + B − (X+Y)² = −E
	g.Subtract(&a, &b) // A − B = −G
	f.Add(&c, &g)      // C − G' where G' = B − A: F = G' − C negated
	// With E' = −e, G' = −g, F' = −f, H' = −h: X3 = E'F' = e·f,
	// Y3 = G'H' = g·h, T3 = E'H' = e·h, Z3 = F'G' = f·g.
	p.X.Multiply(&e, &f)
	p.Y.Multiply(&g, &h)
	p.T.Multiply(&e, &h)
	p.Z.Multiply(&f, &g)
}

// add sets p = q + r (add-2008-hwcd-3, complete).
func (p *point) add(q, r *point) {
	var a, b, c, d, t field.Element
	a.Subtract(&q.Y, &q.X)
	t.Subtract(&r.Y, &r.X)
	a.Multiply(&a, &t)
	b.Add(&q.Y, &q.X)
	t.Add(&r.Y, &r.X)
	b.Multiply(&b, &t)
	c.Multiply(&q.T, &r.T)
	c.Multiply(&c, d2)
	d.Multiply(&q.Z, &r.Z)
	d.Add(&d, &d)
	p.finish(&a, &b, &c, &d)
}

// addNiels sets p = q + n, or q − n when neg.
func (p *point) addNiels(q *point, n *niels, neg bool) {
	var a, b, c, d field.Element
	ypx, ymx := &n.ypx, &n.ymx
	if neg { // −(x, y) = (−x, y): y+x and y−x swap, xy negates
		ypx, ymx = ymx, ypx
	}
	a.Subtract(&q.Y, &q.X)
	a.Multiply(&a, ymx)
	b.Add(&q.Y, &q.X)
	b.Multiply(&b, ypx)
	c.Multiply(&q.T, &n.xy2d)
	if neg {
		c.Negate(&c)
	}
	d.Add(&q.Z, &q.Z)
	p.finish(&a, &b, &c, &d)
}

// finish completes an addition from A = (Y1−X1)(Y2−X2), B = (Y1+X1)(Y2+X2),
// C = 2d·T1·T2 and D = 2·Z1·Z2.
func (p *point) finish(a, b, c, d *field.Element) {
	var e, f, g, h field.Element
	e.Subtract(b, a)
	f.Subtract(d, c)
	g.Add(d, c)
	h.Add(b, a)
	p.X.Multiply(&e, &f)
	p.Y.Multiply(&g, &h)
	p.T.Multiply(&e, &h)
	p.Z.Multiply(&f, &g)
}

// build fills t with the multiples of p, in affine form (one inversion
// for all 256 entries: Montgomery's trick).
func (t *fixedTable) build(p *point) {
	var pts [32 * 8]point
	base := *p
	for i := range 32 {
		pts[i*8] = base
		for j := 1; j < 8; j++ {
			pts[i*8+j].add(&pts[i*8+j-1], &base)
		}
		if i < 31 {
			for range 8 { // base = 256·base
				base.double(&base)
			}
		}
	}
	// prefix[i] = Z_0 ⋯ Z_i; then walk back with the inverse of the product.
	var prefix [len(pts)]field.Element
	prefix[0].Set(&pts[0].Z)
	for i := 1; i < len(pts); i++ {
		prefix[i].Multiply(&prefix[i-1], &pts[i].Z)
	}
	var inv, zinv, x, y field.Element
	inv.Invert(&prefix[len(pts)-1])
	for i := len(pts) - 1; i >= 0; i-- {
		if i > 0 {
			zinv.Multiply(&inv, &prefix[i-1])
			inv.Multiply(&inv, &pts[i].Z)
		} else {
			zinv.Set(&inv)
		}
		x.Multiply(&pts[i].X, &zinv)
		y.Multiply(&pts[i].Y, &zinv)
		n := &t[i/8][i%8]
		n.ypx.Add(&y, &x)
		n.ymx.Subtract(&y, &x)
		n.xy2d.Multiply(&x, &y)
		n.xy2d.Multiply(&n.xy2d, d2)
	}
}

// radix16 returns the signed radix-16 digits of s (each in [−8, 8)): s =
// Σ d[i]·16^i. s < 2^255, as every reduced scalar is.
func radix16(s *edwards25519.Scalar) [64]int8 {
	b := s.Bytes()
	var d [64]int8
	for i := range 32 {
		d[2*i] = int8(b[i] & 15)
		d[2*i+1] = int8(b[i] >> 4)
	}
	for i := range 63 {
		carry := (d[i] + 8) >> 4
		d[i] -= carry << 4
		d[i+1] += carry
	}
	return d
}

// doubleBaseMul sets p = [a]P + [b]Q for the points tabulated in tp and
// tq, in variable time (the inputs are public).
func (p *point) doubleBaseMul(tp *fixedTable, a *edwards25519.Scalar, tq *fixedTable, b *edwards25519.Scalar) {
	da, db := radix16(a), radix16(b)
	p.identity()
	pick := func(t *fixedTable, i int, d int8) {
		switch {
		case d > 0:
			p.addNiels(p, &t[i/2][d-1], false)
		case d < 0:
			p.addNiels(p, &t[i/2][-d-1], true)
		}
	}
	for i := 1; i < 64; i += 2 {
		pick(tp, i, da[i])
		pick(tq, i, db[i])
	}
	for range 4 {
		p.double(p)
	}
	for i := 0; i < 64; i += 2 {
		pick(tp, i, da[i])
		pick(tq, i, db[i])
	}
}

// encode writes p's 32-byte encoding: y with the sign of x in the top bit.
func (p *point) encode(out *[32]byte) {
	var zinv, x, y field.Element
	zinv.Invert(&p.Z)
	x.Multiply(&p.X, &zinv)
	y.Multiply(&p.Y, &zinv)
	copy(out[:], y.Bytes())
	out[31] |= byte(x.IsNegative() << 7)
}

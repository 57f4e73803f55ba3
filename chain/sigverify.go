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
// and −A are fixed bases: a table of the key's multiples j·256^i·(−A)
// (j ≤ 8, i < 32, as Go's own base-point table) turns k into 64 table
// additions and four doublings, and one of j·256^i·B (j ≤ 128) turns S
// into 32 additions. Signatures verified together (verifyBatch) share
// the field inversion of their encodings. The point decoding, the scalar checks,
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
	var r point
	if !tab.point(msg, sig, &r) {
		return false
	}
	var enc [32]byte
	r.encode(&enc)
	return enc == [32]byte(sig[:32])
}

// point computes R' = [S]B − [k]A for sig over msg into r; a signature
// whose R' must then encode as sig[:32]. It reports false for a signature
// refused before that: a key that is not a point, a wrong length, an S
// that is not canonical.
func (tab *keyTable) point(msg, sig []byte, r *point) bool {
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
	r.doubleBaseMul(&tab.minusA, k, s)
	return true
}

// verifyTxs sets bad[i] when the signature of txs[i] does not verify,
// deciding as Tx.VerifySignature (see verifyBatch).
func verifyTxs(chainID Hash, txs []*Tx, bad []bool) {
	items := make([]sigItem, len(txs))
	for i, t := range txs {
		items[i] = sigItem{pub: t.From, msg: t.SigningMessage(chainID), sig: t.Sig}
	}
	verifyBatch(items, bad)
}

// sigItem is one signature to verify.
type sigItem struct{ pub, msg, sig []byte }

// verifyBatch sets bad[i] when items[i] is not a valid signature, deciding
// as crypto/ed25519.Verify (a key of another length than 32 bytes is
// bad). The signatures by keys with tables finish together: one field
// inversion for all their encodings (Montgomery's trick) instead of one
// each.
func verifyBatch(items []sigItem, bad []bool) {
	type pending struct {
		i    int
		r    point
		want [32]byte
	}
	ps := make([]pending, 0, len(items))
	for i, it := range items {
		if len(it.pub) != ed25519.PublicKeySize || len(it.sig) != ed25519.SignatureSize {
			bad[i] = true
			continue
		}
		tab := keyTables.get([32]byte(it.pub))
		if tab == nil {
			bad[i] = !ed25519.Verify(it.pub, it.msg, it.sig)
			continue
		}
		ps = append(ps, pending{i: i, want: [32]byte(it.sig[:32])})
		if !tab.point(it.msg, it.sig, &ps[len(ps)-1].r) {
			bad[i] = true
			ps = ps[:len(ps)-1]
		}
	}
	if len(ps) == 0 {
		return
	}
	// prefix[j] = Z_0 ⋯ Z_j; walk back with the inverse of the product.
	prefix := make([]field.Element, len(ps))
	prefix[0].Set(&ps[0].r.Z)
	for j := 1; j < len(ps); j++ {
		prefix[j].Multiply(&prefix[j-1], &ps[j].r.Z)
	}
	var inv, zinv field.Element
	inv.Invert(&prefix[len(ps)-1])
	for j := len(ps) - 1; j >= 0; j-- {
		if j > 0 {
			zinv.Multiply(&inv, &prefix[j-1])
			inv.Multiply(&inv, &ps[j].r.Z)
		} else {
			zinv.Set(&inv)
		}
		var enc [32]byte
		ps[j].r.encodeWith(&zinv, &enc)
		bad[ps[j].i] = enc != ps[j].want
	}
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
	baseTab  *baseTable
)

// baseTable holds j·256^i·B for i < 32 and j = 1…128: the signed radix-256
// digits of a scalar pick one entry each, 32 additions for [S]B (480 KB,
// built once, on the first verification with a key table).
type baseTable [32][128]niels

// theBaseTable returns the table of the base point B.
func theBaseTable() *baseTable {
	baseOnce.Do(func() {
		var p point
		p.fromPoint(edwards25519.NewGeneratorPoint())
		pts := make([]point, 32*128)
		for i := range 32 {
			pts[i*128] = p
			for j := 1; j < 128; j++ {
				pts[i*128+j].add(&pts[i*128+j-1], &p)
			}
			for range 8 { // p = 256·p
				p.double(&p)
			}
		}
		t := new(baseTable)
		toNiels(pts, func(i int) *niels { return &t[i/128][i%128] })
		baseTab = t
	})
	return baseTab
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

// build fills t with the multiples of p, in affine form.
func (t *fixedTable) build(p *point) {
	pts := make([]point, 32*8)
	base := *p
	for i := range 32 {
		pts[i*8] = base
		for j := 1; j < 8; j++ {
			pts[i*8+j].add(&pts[i*8+j-1], &base)
		}
		for range 8 { // base = 256·base
			base.double(&base)
		}
	}
	toNiels(pts, func(i int) *niels { return &t[i/8][i%8] })
}

// toNiels writes each point of pts in affine form into out(i), with one
// field inversion for all (Montgomery's trick).
func toNiels(pts []point, out func(i int) *niels) {
	prefix := make([]field.Element, len(pts))
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
		n := out(i)
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

// radix256 returns the signed radix-256 digits of s (each in
// [−128, 128)): s = Σ d[i]·256^i. s < 2^255, as every reduced scalar is.
func radix256(s *edwards25519.Scalar) [32]int16 {
	b := s.Bytes()
	var d [32]int16
	carry := int16(0)
	for i := range 32 {
		v := int16(b[i]) + carry
		carry = (v + 128) >> 8
		d[i] = v - carry<<8
	}
	return d
}

// doubleBaseMul sets p = [a]P + [b]B for the point P tabulated in tp and
// the base point B, in variable time (the inputs are public).
func (p *point) doubleBaseMul(tp *fixedTable, a, b *edwards25519.Scalar) {
	da, db := radix16(a), radix256(b)
	tb := theBaseTable()
	p.identity()
	pick := func(n *niels, neg bool) { p.addNiels(p, n, neg) }
	for i := 1; i < 64; i += 2 {
		if d := da[i]; d > 0 {
			pick(&tp[i/2][d-1], false)
		} else if d < 0 {
			pick(&tp[i/2][-d-1], true)
		}
	}
	for range 4 {
		p.double(p)
	}
	for i := 0; i < 64; i += 2 {
		if d := da[i]; d > 0 {
			pick(&tp[i/2][d-1], false)
		} else if d < 0 {
			pick(&tp[i/2][-d-1], true)
		}
	}
	for i, d := range db {
		if d > 0 {
			pick(&tb[i][d-1], false)
		} else if d < 0 {
			pick(&tb[i][-d-1], true)
		}
	}
}

// encode writes p's 32-byte encoding: y with the sign of x in the top bit.
func (p *point) encode(out *[32]byte) {
	var zinv field.Element
	zinv.Invert(&p.Z)
	p.encodeWith(&zinv, out)
}

// encodeWith is encode given 1/Z.
func (p *point) encodeWith(zinv *field.Element, out *[32]byte) {
	var x, y field.Element
	x.Multiply(&p.X, zinv)
	y.Multiply(&p.Y, zinv)
	copy(out[:], y.Bytes())
	out[31] |= byte(x.IsNegative() << 7)
}

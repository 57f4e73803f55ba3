package chain

// MerkleRoot returns Bitcoin's merkle root of ids: each level hashes the
// concatenation of pairs with SHA-256, duplicating the last id of an odd
// level; a single id is its own root; no ids give the zero hash.
func MerkleRoot(ids []Hash) Hash {
	if len(ids) == 0 {
		return ZeroHash
	}
	level := append([]Hash(nil), ids...)
	var buf [2 * HashSize]byte
	for len(level) > 1 {
		if len(level)%2 == 1 {
			level = append(level, level[len(level)-1])
		}
		next := level[:0]
		for i := 0; i < len(level); i += 2 {
			copy(buf[:HashSize], level[i][:])
			copy(buf[HashSize:], level[i+1][:])
			next = append(next, HashBytes(buf[:]))
		}
		level = next
	}
	return level[0]
}

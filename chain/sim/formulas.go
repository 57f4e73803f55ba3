package sim

import "math"

// SelfishRevenue is Eyal & Sirer's relative revenue of a selfish pool of
// hash share alpha when a fraction gamma of the honest miners mine on the
// pool's block in a tie ("Majority is not Enough", 2014, eq. 8):
//
//	R = (α(1−α)²(4α + γ(1−2α)) − α³) / (1 − α(1 + (2−α)α))
//
// valid for 0 ≤ α < ½.
func SelfishRevenue(alpha, gamma float64) float64 {
	a, g := alpha, gamma
	return (a*(1-a)*(1-a)*(4*a+g*(1-2*a)) - a*a*a) / (1 - a*(1+(2-a)*a))
}

// SelfishThreshold is the least hash share at which selfish mining pays
// more than honest mining (R > α): (1−γ)/(3−2γ); ⅓ at γ = 0, ¼ at γ = ½.
func SelfishThreshold(gamma float64) float64 { return (1 - gamma) / (3 - 2*gamma) }

// Nakamoto is the probability of §11 of the Bitcoin paper that an
// attacker of hash share q ever catches up from z blocks behind, its
// progress meanwhile taken as Poisson with mean z·q/p:
//
//	P = 1 − Σ_{k=0}^{z} e^{−λ} λ^k / k! · (1 − (q/p)^{z−k}),  λ = z·q/p
func Nakamoto(q float64, z int) float64 {
	p := 1 - q
	if q >= p {
		return 1
	}
	lambda := float64(z) * q / p
	sum := 0.0
	poisson := math.Exp(-lambda)
	for k := 0; k <= z; k++ {
		if k > 0 {
			poisson *= lambda / float64(k)
		}
		sum += poisson * (1 - math.Pow(q/p, float64(z-k)))
	}
	return 1 - sum
}

// Rosenfeld is the exact probability (Rosenfeld, "Analysis of
// Hashrate-Based Double Spending", 2012) that an attacker of hash share q
// double-spends a payment the merchant accepts after z confirmations: the
// attacker's blocks found while the honest network finds z are negative
// binomial, and from the deficit left it catches up with probability
// (q/p)^deficit:
//
//	r = 1 − Σ_{m=0}^{z} C(m+z−1, m) (p^z q^m − q^z p^m)
func Rosenfeld(q float64, z int) float64 {
	p := 1 - q
	if q >= p {
		return 1
	}
	if z == 0 {
		return 1
	}
	sum := 0.0
	c := 1.0 // C(m+z−1, m)
	for m := 0; m <= z; m++ {
		if m > 0 {
			c *= float64(m+z-1) / float64(m)
		}
		sum += c * (math.Pow(p, float64(z))*math.Pow(q, float64(m)) - math.Pow(q, float64(z))*math.Pow(p, float64(m)))
	}
	return 1 - sum
}

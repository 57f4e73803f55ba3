package view

// TamperError is a tamper command refused: nothing changed. Code is what
// the page shows in words (its catalog has an entry for each).
type TamperError struct {
	Code   string
	Detail string
}

func (e *TamperError) Error() string { return "view: tamper: " + e.Detail }

// Is makes errors.Is(err, ErrTamperX) match by code.
func (e *TamperError) Is(target error) bool {
	t, ok := target.(*TamperError)
	return ok && t.Code == e.Code
}

// The refusals of Model.Tamper; match them with errors.Is.
var (
	// ErrTamperOff: the command needs tamper mode, and it is off.
	ErrTamperOff = &TamperError{Code: "tamper-off", Detail: "tamper mode is off"}
	// ErrTamperGenesis: the genesis block holds the room's parameters and
	// can't be forged.
	ErrTamperGenesis = &TamperError{Code: "tamper-genesis", Detail: "the genesis block can't be forged"}
	// ErrTamperNoBlock: no such block, on the best chain or in the forged copy.
	ErrTamperNoBlock = &TamperError{Code: "tamper-no-block", Detail: "no such block"}
	// ErrTamperBadValue: an edit's field or value is not one a
	// transaction can hold.
	ErrTamperBadValue = &TamperError{Code: "tamper-bad-value", Detail: "not a value the field can hold"}
	// ErrTamperBusy: the tab's miner is re-mining the forged blocks.
	ErrTamperBusy = &TamperError{Code: "tamper-busy", Detail: "re-mining"}
	// ErrTamperFull: the forged copy holds MaxTamperBlocks already.
	ErrTamperFull = &TamperError{Code: "tamper-full", Detail: "the forged copy is as long as it may be"}
	// ErrTamperBadOp: the page sent a command this model does not know.
	ErrTamperBadOp = &TamperError{Code: "tamper-bad-op", Detail: "unknown command"}
)

// tamperErr returns sentinel with a detail of its own.
func tamperErr(sentinel *TamperError, detail string) error {
	return &TamperError{Code: sentinel.Code, Detail: sentinel.Detail + ": " + detail}
}

// TamperRefusals returns the codes of the tamper refusals
// (TamperView.Error): what a page's catalog needs words for.
func TamperRefusals() []string {
	var out []string
	for _, e := range []*TamperError{ErrTamperOff, ErrTamperGenesis, ErrTamperNoBlock, ErrTamperBadValue, ErrTamperBusy, ErrTamperFull, ErrTamperBadOp} {
		out = append(out, e.Code)
	}
	return out
}

// Codes of the status events a tab logs about itself (Model.Log), beside
// the node's and tamper mode's.
const (
	// CodeStoreUnavailable: the browser's storage can't be opened, so the
	// chain is not kept across reloads (Reason: the error).
	CodeStoreUnavailable = "store-unavailable"
	// CodeStoreIgnored: the saved chain could not be used and the tab
	// starts afresh (Reason: the error).
	CodeStoreIgnored = "store-ignored"
	// CodeKeyInvalid: the wallet key the page handed over is not a valid
	// seed; the tab made a new wallet.
	CodeKeyInvalid = "key-invalid"
	// CodeSeatTaken: the tab runs the PBFT replica of seat Count (the
	// seat key of its link).
	CodeSeatTaken = "seat-taken"
	// CodeSeatRefused: the seat key the page handed over holds no seat of
	// this room (Reason: why); the tab is a client.
	CodeSeatRefused = "seat-refused"
)

// StatusCodes returns the codes of the status events of this package and
// of a tab (the constants above and tamper mode's): what a page's catalog
// needs words for, beside node.EventCodes.
func StatusCodes() []string {
	return []string{CodeTamperMined, CodeTamperWon, CodeTamperIgnored, CodeStoreUnavailable, CodeStoreIgnored, CodeKeyInvalid,
		CodeSeatTaken, CodeSeatRefused}
}

package gridinspect

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrInvalidCreditCode is wrapped by every error ValidateCreditCode and
// CreditCodeCheckChar return, so callers can test with errors.Is and still
// show the specific message.
var ErrInvalidCreditCode = errors.New("invalid unified social credit code")

// creditCodeAlphabet lists the 31 characters of a unified social credit code
// in value order (0–30). I, O, Z, S and V are left out because they are easily
// confused with 1, 0, 2, 5 and U.
const creditCodeAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCodeWeights are 3^i mod 31 for positions 1–17 (GB 32100-2015, 5.2).
var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// creditCodeAuthorities are the registration-authority codes (first
// character): 1 机构编制, 2 外交, 3 司法行政, 4 文化, 5 民政, 6 旅游, 7 宗教,
// 8 工会, 9 工商/市场监管, A 中央军委改革和编制办公室, N 农业, Y 其他.
// GB 32100-2015 itself lists 1, 5, 9 and Y; the rest were assigned later.
const creditCodeAuthorities = "123456789ANY"

// creditCodeValue returns c's value 0–30, or -1 if c is not in the alphabet.
func creditCodeValue(c byte) int {
	return strings.IndexByte(creditCodeAlphabet, c)
}

// ValidateCreditCode returns nil if code is a well-formed 18-character unified
// social credit code (统一社会信用代码, GB 32100-2015) with a correct check
// character. Otherwise the error, which wraps ErrInvalidCreditCode, says what
// is wrong: the length, an illegal character (lowercase letters are refused:
// callers should upper-case user input first), the registration-authority
// code, a non-numeric administrative-division code, or the check character
// (including the expected one).
//
// The organization-category code (2nd character) and the embedded
// organization code's own check digit are not checked: the category lists
// keep growing and individual businesses' codes do not always satisfy
// GB 11714.
func ValidateCreditCode(code string) error {
	if err := checkCreditCodeChars(code, 18); err != nil {
		return err
	}
	if strings.IndexByte(creditCodeAuthorities, code[0]) < 0 {
		return fmt.Errorf("%w: registration-authority code %q (character 1) is not one of %s",
			ErrInvalidCreditCode, code[0], strings.Join(strings.Split(creditCodeAuthorities, ""), ", "))
	}
	for i := 2; i < 8; i++ {
		if code[i] < '0' || code[i] > '9' {
			return fmt.Errorf("%w: administrative-division code (characters 3-8) %q must be 6 digits, character %d is %q",
				ErrInvalidCreditCode, code[2:8], i+1, code[i])
		}
	}
	want := creditCodeCheck(code[:17])
	if code[17] != want {
		return fmt.Errorf("%w: check character is %q, expected %q", ErrInvalidCreditCode, code[17], want)
	}
	return nil
}

// CreditCodeCheckChar computes the 18th (check) character of a unified social
// credit code from its first 17 characters. It only checks that first17 has 17
// characters from the code alphabet (upper case); it does not validate the
// registration-authority or division codes.
func CreditCodeCheckChar(first17 string) (byte, error) {
	if err := checkCreditCodeChars(first17, 17); err != nil {
		return 0, err
	}
	return creditCodeCheck(first17), nil
}

// creditCodeCheck assumes s is 17 characters from the alphabet.
func creditCodeCheck(s string) byte {
	sum := 0
	for i := range 17 {
		sum += creditCodeValue(s[i]) * creditCodeWeights[i]
	}
	// 31 - 0 would be 31, which is not a character; the standard maps it to 0.
	return creditCodeAlphabet[(31-sum%31)%31]
}

// checkCreditCodeChars checks that s is exactly n characters, all in the
// alphabet, with a specific message for the common mistakes.
func checkCreditCodeChars(s string, n int) error {
	// Count runes, not bytes, so "18 characters" means what a person sees.
	if got := utf8.RuneCountInString(s); got != n {
		return fmt.Errorf("%w: must be %d characters, got %d", ErrInvalidCreditCode, n, got)
	}
	pos := 0
	for _, r := range s {
		pos++
		switch {
		case r < utf8.RuneSelf && creditCodeValue(byte(r)) >= 0:
			continue
		case r >= 'a' && r <= 'z':
			return fmt.Errorf("%w: character %d %q is lowercase; codes use upper-case letters only",
				ErrInvalidCreditCode, pos, r)
		case r == 'I' || r == 'O' || r == 'Z' || r == 'S' || r == 'V':
			return fmt.Errorf("%w: character %d %q is not allowed; the letters I, O, Z, S and V are never used",
				ErrInvalidCreditCode, pos, r)
		default:
			return fmt.Errorf("%w: character %d %q is not allowed; only digits 0-9 and upper-case letters may be used",
				ErrInvalidCreditCode, pos, r)
		}
	}
	return nil
}

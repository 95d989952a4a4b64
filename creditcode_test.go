package gridinspect

import (
	"errors"
	"strings"
	"testing"
)

// Real codes, each with the check character verified by hand below (values:
// digits are themselves, A=10 … H=17, J=18 … N=22, P=23, Q=24, R=25, T=26,
// U=27, W=28, X=29, Y=30; weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10
// 30 28; check = 31 - sum mod 31). A wrong code would match by chance only
// 1 time in 31, so agreement on all of them is strong evidence both for the
// codes and for the implementation.
var realCreditCodes = []struct {
	name, code string
}{
	// Textbook example from GB 32100-2015 explainers.
	// 9·1+1·3+3·9+5·27+0+1·26+0+0+M21·20+0+0+0+1·8+0+0+Y30·30+4·28
	// = 9+3+27+135+26+420+8+900+112 = 1640; 1640 mod 31 = 28; 31-28 = 3.
	{"textbook example", "91350100M000100Y43"},
	// 华为技术有限公司. 9+3+36+108+0+78+0+0+20+261+50+26+0+72+80+60+28
	// = 831; 831 mod 31 = 25; 31-25 = 6.
	{"Huawei", "914403001922038216"},
	// 深圳市腾讯计算机系统有限公司. 9+3+36+108+0+78+0+0+140+0+200+52+48+24+10+90+168
	// = 966; 966 mod 31 = 5; 31-5 = 26 = T.
	{"Tencent", "91440300708461136T"},
	// 北京百度网讯科技有限公司. 9+3+9+27+0+0+0+0+160+0+50+13+0+0+40+90+84
	// = 485; 485 mod 31 = 20; 31-20 = 11 = B.
	{"Baidu", "91110000802100433B"},
	// 小米科技有限责任公司. 9+3+9+27+0+26+0+136+100+145+25+39+64+120+0+240+56
	// = 999; 999 mod 31 = 7; 31-7 = 24 = Q.
	{"Xiaomi", "91110108551385082Q"},
	// 阿里巴巴（中国）有限公司. 9+3+27+81+0+26+0+0+140+261+225+78+40+120+0+150+224
	// = 1384; 1384 mod 31 = 20; 31-20 = 11 = B.
	{"Alibaba", "91330100799655058B"},
}

func TestValidateCreditCode_AcceptsRealCodes(t *testing.T) {
	for _, tt := range realCreditCodes {
		t.Run(tt.name, func(t *testing.T) {
			if err := ValidateCreditCode(tt.code); err != nil {
				t.Errorf("ValidateCreditCode(%q) = %v, want nil", tt.code, err)
			}
		})
	}
}

func TestCreditCodeCheckChar(t *testing.T) {
	tests := []struct {
		name    string
		first17 string
		want    byte
	}{
		{"textbook example", "91350100M000100Y4", '3'},
		{"Tencent (letter check)", "91440300708461136", 'T'},
		// sum = 9+3+9+27 + H17·30 = 48+510 = 558 = 18·31, so 31-0 = 31,
		// which the standard maps to '0'.
		{"sum divisible by 31 gives 0", "911100000000000H0", '0'},
		// sum = 9+3+9+27 = 48; 48 mod 31 = 17; 31-17 = 14 = E.
		{"mostly zeros", "91110000000000000", 'E'},
		// sum = 1·1+1·3+0+... = 4 (ignoring zeros) → 31-4 = 27 = U.
		{"organ of government", "11000000000000000", 'U'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CreditCodeCheckChar(tt.first17)
			if err != nil {
				t.Fatalf("CreditCodeCheckChar(%q) error: %v", tt.first17, err)
			}
			if got != tt.want {
				t.Errorf("CreditCodeCheckChar(%q) = %q, want %q", tt.first17, got, tt.want)
			}
			if err := ValidateCreditCode(tt.first17 + string(got)); err != nil {
				t.Errorf("generated code %s%c does not validate: %v", tt.first17, got, err)
			}
		})
	}
}

func TestCreditCodeCheckChar_RejectsMalformedInput(t *testing.T) {
	tests := []struct {
		name, first17, wantMsg string
	}{
		{"too short", "9135010", "must be 17 characters, got 7"},
		{"full code instead of first 17", "91350100M000100Y43", "must be 17 characters, got 18"},
		{"illegal letter", "91350100M000100S4", "character 16 'S' is not allowed"},
		{"lowercase", "91350100m000100Y4", "character 9 'm' is lowercase"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CreditCodeCheckChar(tt.first17)
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("CreditCodeCheckChar(%q) error = %v, want it to contain %q", tt.first17, err, tt.wantMsg)
			}
			if !errors.Is(err, ErrInvalidCreditCode) {
				t.Errorf("error %v does not wrap ErrInvalidCreditCode", err)
			}
		})
	}
}

func TestValidateCreditCode_AcceptsGeneratedCodesForEveryAuthority(t *testing.T) {
	for _, authority := range "123456789ANY" {
		t.Run(string(authority), func(t *testing.T) {
			// Category 1, division 340202 (Wuhu Jinghu District), then a
			// 9-character organization code.
			first17 := string(authority) + "1" + "340202" + "MA2N5P3X1"
			check, err := CreditCodeCheckChar(first17)
			if err != nil {
				t.Fatal(err)
			}
			if err := ValidateCreditCode(first17 + string(check)); err != nil {
				t.Errorf("ValidateCreditCode(%s%c) = %v", first17, check, err)
			}
		})
	}
}

func TestValidateCreditCode_RejectsMalformedCodes(t *testing.T) {
	tests := []struct {
		name, code, wantMsg string
	}{
		{"empty", "", "must be 18 characters, got 0"},
		{"one character short", "91350100M000100Y4", "must be 18 characters, got 17"},
		{"one character long", "91350100M000100Y433", "must be 18 characters, got 19"},
		{"15-digit old registration number", "110108012345678", "must be 18 characters, got 15"},
		{"surrounding whitespace", " 91350100M000100Y43", "must be 18 characters, got 19"},
		// Length is counted in characters, so a full-width digit is reported
		// as an illegal character rather than a confusing length.
		{"full-width digit", "９1350100M000100Y43", "character 1 '９' is not allowed; only digits 0-9 and upper-case letters"},
		{"lowercase letter", "91350100m000100Y43", "character 9 'm' is lowercase; codes use upper-case letters only"},
		{"letter I", "91350100I000100Y43", "character 9 'I' is not allowed; the letters I, O, Z, S and V are never used"},
		{"letter O", "91350100O000100Y43", "character 9 'O' is not allowed"},
		{"letter Z", "91350100Z000100Y43", "character 9 'Z' is not allowed"},
		{"letter S", "91350100S000100Y43", "character 9 'S' is not allowed"},
		{"letter V", "91350100V000100Y43", "character 9 'V' is not allowed"},
		{"hyphen", "91350100-000100Y43", "character 9 '-' is not allowed"},
		{"unknown registration authority", "B1350100M000100Y43", "registration-authority code 'B' (character 1) is not one of 1, 2, 3, 4, 5, 6, 7, 8, 9, A, N, Y"},
		{"authority 0", "01350100M000100Y43", "registration-authority code '0'"},
		{"letter in division code", "9135A100M000100Y43", `administrative-division code (characters 3-8) "35A100" must be 6 digits, character 5 is 'A'`},
		{"wrong check character", "91350100M000100Y44", "check character is '4', expected '3'"},
		{"transposed digits", "91350100M000010Y43", "expected '"},
		{"wrong letter check character", "91440300708461136U", "check character is 'U', expected 'T'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateCreditCode(tt.code)
			if err == nil {
				t.Fatalf("ValidateCreditCode(%q) = nil, want error containing %q", tt.code, tt.wantMsg)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("ValidateCreditCode(%q) = %q, want it to contain %q", tt.code, err, tt.wantMsg)
			}
			if !errors.Is(err, ErrInvalidCreditCode) {
				t.Errorf("error %v does not wrap ErrInvalidCreditCode", err)
			}
		})
	}
}

func TestValidateCreditCode_DetectsEverySingleCharacterChange(t *testing.T) {
	// The mod-31 check catches all single substitutions; this pins it down
	// for one real code across every position and every alternative.
	const code = "91350100M000100Y43"
	for i := range 18 {
		for _, c := range []byte(creditCodeAlphabet) {
			if c == code[i] {
				continue
			}
			mutated := code[:i] + string(c) + code[i+1:]
			if ValidateCreditCode(mutated) == nil {
				t.Errorf("ValidateCreditCode(%q) = nil after changing character %d", mutated, i+1)
			}
		}
	}
}

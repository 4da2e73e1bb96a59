// tests/kernel32/thin_strings.hpp - StringCch*/StringCb*, code page
// conversion and lstr*.

TEST_CASE("kernel32 thin: StringCchCopy / StringCbCopy codes and contents") {
  char a[8];
  CHECK(StringCchCopyA(a, 8, "abc") == S_OK);
  CHECK(std::string(a) == "abc");
  CHECK(StringCchCopyA(a, 4, "abcdef") == STRSAFE_E_INSUFFICIENT_BUFFER);
  CHECK(std::string(a) == "abc");  // truncated, NUL-terminated
  CHECK(StringCchCopyA(a, 4, "abc") == S_OK);
  CHECK(StringCchCopyA(a, 0, "abc") == STRSAFE_E_INVALID_PARAMETER);
  CHECK(StringCchCopyA(a, static_cast<size_t>(STRSAFE_MAX_CCH) + 1, "abc") ==
        STRSAFE_E_INVALID_PARAMETER);
  CHECK(STRSAFE_E_INSUFFICIENT_BUFFER == static_cast<HRESULT>(0x8007007AL));
  CHECK(STRSAFE_E_INVALID_PARAMETER == static_cast<HRESULT>(0x80070057L));
  CHECK(FAILED(STRSAFE_E_INSUFFICIENT_BUFFER));
  CHECK(SUCCEEDED(S_OK));
  CHECK(StringCbCopyA(a, sizeof a, "12345678") == STRSAFE_E_INSUFFICIENT_BUFFER);
  CHECK(std::string(a) == "1234567");

  WCHAR w[8];
  CHECK(StringCchCopyW(w, 8, THIN_W("abc")) == S_OK);
  CHECK(thin::wstr(w) == THIN_W("abc"));
  CHECK(StringCbCopyW(w, 8, THIN_W("abcdef")) == STRSAFE_E_INSUFFICIENT_BUFFER);  // 4 WCHARs
  CHECK(thin::wstr(w) == THIN_W("abc"));
  CHECK(StringCbCopyW(w, 1, THIN_W("a")) == STRSAFE_E_INVALID_PARAMETER);  // 0 WCHARs

  CHECK(StringCchCopyNA(a, 8, "abcdef", 3) == S_OK);
  CHECK(std::string(a) == "abc");
  CHECK(StringCchCopyNA(a, 4, "abcdef", 5) == STRSAFE_E_INSUFFICIENT_BUFFER);
  CHECK(std::string(a) == "abc");
  CHECK(StringCchCopyNA(a, 8, "ab", 5) == S_OK);
  CHECK(std::string(a) == "ab");
  CHECK(StringCbCopyNW(w, sizeof w, THIN_W("abcdef"), 2 * sizeof(WCHAR)) == S_OK);
  CHECK(thin::wstr(w) == THIN_W("ab"));
  CHECK(StringCchCopyNW(w, 3, THIN_W("abcdef"), 6) == STRSAFE_E_INSUFFICIENT_BUFFER);
  CHECK(thin::wstr(w) == THIN_W("ab"));
}

TEST_CASE("kernel32 thin: StringCchCat / StringCbCat / StringCchLength") {
  char a[6] = "ab";
  CHECK(StringCchCatA(a, 6, "cd") == S_OK);
  CHECK(std::string(a) == "abcd");
  CHECK(StringCchCatA(a, 6, "efg") == STRSAFE_E_INSUFFICIENT_BUFFER);
  CHECK(std::string(a) == "abcde");
  CHECK(StringCchCatA(a, 6, "") == S_OK);
  char full[4] = {'x', 'x', 'x', 'x'};  // no NUL inside the buffer
  CHECK(StringCchCatA(full, 4, "a") == STRSAFE_E_INVALID_PARAMETER);
  CHECK(StringCbCatA(a, 0, "a") == STRSAFE_E_INVALID_PARAMETER);

  WCHAR w[6] = THIN_W("ab");
  CHECK(StringCbCatW(w, sizeof w, THIN_W("cdefgh")) == STRSAFE_E_INSUFFICIENT_BUFFER);
  CHECK(thin::wstr(w) == THIN_W("abcde"));
  WCHAR w2[8] = THIN_W("x");
  CHECK(StringCchCatW(w2, 8, THIN_W("yz")) == S_OK);
  CHECK(thin::wstr(w2) == THIN_W("xyz"));

  size_t n = 99;
  CHECK(StringCchLengthA("abc", 10, &n) == S_OK);
  CHECK(n == 3);
  CHECK(StringCchLengthA("abc", 4, &n) == S_OK);
  CHECK(n == 3);
  CHECK(StringCchLengthA("abc", 3, &n) == STRSAFE_E_INVALID_PARAMETER);  // no NUL within 3
  CHECK(StringCchLengthA(nullptr, 3, &n) == STRSAFE_E_INVALID_PARAMETER);
  CHECK(StringCchLengthA("abc", 0, &n) == STRSAFE_E_INVALID_PARAMETER);
  CHECK(StringCchLengthW(THIN_W("abcd"), STRSAFE_MAX_CCH, &n) == S_OK);
  CHECK(n == 4);
  CHECK(StringCbLengthW(THIN_W("abcd"), 100, &n) == S_OK);
  CHECK(n == 4 * sizeof(WCHAR));
  CHECK(StringCbLengthA("abcd", 5, &n) == S_OK);
  CHECK(n == 4);
  CHECK(StringCbLengthW(THIN_W("abcd"), 8, &n) == STRSAFE_E_INVALID_PARAMETER);
}

TEST_CASE("kernel32 thin: StringCchPrintf / StringCbPrintf") {
  char a[32];
  CHECK(StringCchPrintfA(a, 32, "%d-%s-%x-%u", 42, "ab", 255, 7u) == S_OK);
  CHECK(std::string(a) == "42-ab-ff-7");
  CHECK(StringCchPrintfA(a, 5, "%d-%s", 42, "abcdef") == STRSAFE_E_INSUFFICIENT_BUFFER);
  CHECK(std::string(a) == "42-a");
  CHECK(StringCchPrintfA(a, 32, "[%5d][%-4s][%05.1f][%c]", -3, "x", 2.26, 'q') == S_OK);
  CHECK(std::string(a) == "[   -3][x   ][002.3][q]");
  CHECK(StringCchPrintfA(a, 32, "%I64d %lld %#x", -5000000000LL, 1LL << 40, 255) == S_OK);
  CHECK(std::string(a) == "-5000000000 1099511627776 0xff");
  CHECK(StringCchPrintfA(a, 32, "%p", reinterpret_cast<void*>(0x1234)) == S_OK);
  CHECK(std::string(a) == "0000000000001234");
  CHECK(StringCbPrintfA(a, 4, "%s", "abcdef") == STRSAFE_E_INSUFFICIENT_BUFFER);
  CHECK(std::string(a) == "abc");
  CHECK(StringCchPrintfA(a, 0, "x") == STRSAFE_E_INVALID_PARAMETER);
  CHECK(StringCchPrintfA(a, 32, "%ls|%ws", THIN_W("wi"), THIN_W("de")) == S_OK);
  CHECK(std::string(a) == "wi|de");
  CHECK(StringCchPrintfA(a, 4, "abc") == S_OK);  // exactly fits with its NUL

  // The W format: %s is a WCHAR string (Windows' convention), %hs a char one.
  WCHAR w[32];
  CHECK(StringCchPrintfW(w, 32, THIN_W("%s=%d"), THIN_W("key"), 12) == S_OK);
  CHECK(thin::wstr(w) == THIN_W("key=12"));
  CHECK(StringCchPrintfW(w, 32, THIN_W("%hs|%ls|%c|%x"), "na", THIN_W("wi"), THIN_W('z'), 0xAB) ==
        S_OK);
  CHECK(thin::wstr(w) == THIN_W("na|wi|z|ab"));
  CHECK(StringCbPrintfW(w, 6 * sizeof(WCHAR), THIN_W("%s"), THIN_W("abcdefgh")) ==
        STRSAFE_E_INSUFFICIENT_BUFFER);
  CHECK(thin::wstr(w) == THIN_W("abcde"));
  CHECK(StringCchPrintfW(w, 32, THIN_W("%.2s|%3s"), THIN_W("xyz"), THIN_W("a")) == S_OK);
  CHECK(thin::wstr(w) == THIN_W("xy|  a"));
}

TEST_CASE("kernel32 thin: UTF-8 <-> UTF-16 with CP_UTF8") {
  // "hé€😀": 1 + 2 + 3 + 4 bytes; U+1F600 is a surrogate pair.
  const char* utf8 = "h\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  const WCHAR expect[] = {'h', 0xE9, 0x20AC, 0xD83D, 0xDE00, 0};
  CHECK(MultiByteToWideChar(CP_UTF8, 0, utf8, -1, nullptr, 0) == 6);  // with the NUL
  CHECK(MultiByteToWideChar(CP_UTF8, 0, utf8, 10, nullptr, 0) == 5);  // without
  WCHAR w[16];
  CHECK(MultiByteToWideChar(CP_UTF8, 0, utf8, -1, w, 16) == 6);
  CHECK(thin::wstr(w) == thin::wstr(expect));
  SetLastError(0);
  CHECK(MultiByteToWideChar(CP_UTF8, 0, utf8, -1, w, 4) == 0);
  CHECK(GetLastError() == ERROR_INSUFFICIENT_BUFFER);

  char back[32];
  CHECK(WideCharToMultiByte(CP_UTF8, 0, expect, -1, nullptr, 0, nullptr, nullptr) == 11);
  CHECK(WideCharToMultiByte(CP_UTF8, 0, expect, -1, back, 32, nullptr, nullptr) == 11);
  CHECK(std::string(back) == utf8);
  SetLastError(0);
  CHECK(WideCharToMultiByte(CP_UTF8, 0, expect, -1, back, 5, nullptr, nullptr) == 0);
  CHECK(GetLastError() == ERROR_INSUFFICIENT_BUFFER);

  // Invalid input: U+FFFD, or failure with the strict flags.
  CHECK(MultiByteToWideChar(CP_UTF8, 0, "\xC0\x41\x42", 3, w, 16) == 3);
  CHECK(w[0] == 0xFFFD);
  CHECK(w[1] == 'A');
  CHECK(w[2] == 'B');
  CHECK(MultiByteToWideChar(CP_UTF8, 0, "a\xFF", 2, w, 16) == 2);
  CHECK(w[1] == 0xFFFD);
  CHECK(MultiByteToWideChar(CP_UTF8, 0, "\xED\xA0\x80", 3, w, 16) >= 1);  // an encoded surrogate
  CHECK(w[0] == 0xFFFD);
  SetLastError(0);
  CHECK(MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, "\xC0\x41", 2, w, 16) == 0);
  CHECK(GetLastError() == ERROR_NO_UNICODE_TRANSLATION);
  const WCHAR lone[] = {'a', 0xD800, 'b'};
  CHECK(WideCharToMultiByte(CP_UTF8, 0, lone, 3, back, 32, nullptr, nullptr) == 5);
  CHECK(std::string(back, 5) ==
        "a\xEF\xBF\xBD"
        "b");
  SetLastError(0);
  CHECK(WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, lone, 3, back, 32, nullptr, nullptr) ==
        0);
  CHECK(GetLastError() == ERROR_NO_UNICODE_TRANSLATION);

  // Parameter and flag errors.
  SetLastError(0);
  CHECK(MultiByteToWideChar(CP_UTF8, 0, "a", 0, w, 16) == 0);
  CHECK(GetLastError() == ERROR_INVALID_PARAMETER);
  if (!thin::under_wine()) {  // Wine 8 ignores the flags for UTF-8; Windows refuses them
    SetLastError(0);
    CHECK(MultiByteToWideChar(CP_UTF8, MB_PRECOMPOSED, "a", 1, w, 16) == 0);
    CHECK(GetLastError() == ERROR_INVALID_FLAGS);
  }
  SetLastError(0);
  CHECK(MultiByteToWideChar(12345, 0, "a", 1, w, 16) == 0);
  CHECK(GetLastError() == ERROR_INVALID_PARAMETER);
  BOOL used = TRUE;
  if (!thin::under_wine()) {  // Windows documents both; Wine 8 checks neither
    SetLastError(0);
    CHECK(WideCharToMultiByte(CP_UTF8, 0, expect, -1, back, 32, nullptr, &used) == 0);
    CHECK(GetLastError() == ERROR_INVALID_PARAMETER);
    SetLastError(0);
    CHECK(WideCharToMultiByte(CP_UTF8, WC_NO_BEST_FIT_CHARS, expect, -1, back, 32, nullptr,
                              nullptr) == 0);
    CHECK(GetLastError() == ERROR_INVALID_FLAGS);
  }

  // CP_ACP with ASCII (the ACP is UTF-8 on POSIX, a Windows code page on Windows).
  CHECK(MultiByteToWideChar(CP_ACP, 0, "plain", -1, w, 16) == 6);
  CHECK(thin::wstr(w) == THIN_W("plain"));
  CHECK(WideCharToMultiByte(CP_ACP, 0, w, -1, back, 32, nullptr, &used) == 6);
  CHECK(used == FALSE);
  CHECK(std::string(back) == "plain");
}

#if !defined(_WIN32)
// Truncated sequences: one U+FFFD per maximal ill-formed subpart (Unicode's
// recommendation; docs/kernel32.md).
TEST_CASE("kernel32 thin: wpu's replacement of truncated UTF-8 sequences") {
  WCHAR w[8];
  CHECK(MultiByteToWideChar(CP_UTF8, 0, "\xE2\x82", 2, w, 8) == 1);
  CHECK(w[0] == 0xFFFD);
  CHECK(MultiByteToWideChar(CP_UTF8, 0, "\xF0\x9F\x98x", 4, w, 8) == 2);
  CHECK(w[0] == 0xFFFD);
  CHECK(w[1] == 'x');
}
#endif

TEST_CASE("kernel32 thin: lstrlen, lstrcpy, lstrcpyn, lstrcat, lstrcmp, lstrcmpi") {
  CHECK(lstrlenA(nullptr) == 0);
  CHECK(lstrlenW(nullptr) == 0);
  CHECK(lstrlenA("abc") == 3);
  CHECK(lstrlenW(THIN_W("abcd")) == 4);
  char a[16];
  CHECK(lstrcpyA(a, "hello") == a);
  CHECK(std::string(a) == "hello");
  CHECK(lstrcatA(a, " you") == a);
  CHECK(std::string(a) == "hello you");
  CHECK(lstrcpynA(a, "abcdef", 4) == a);
  CHECK(std::string(a) == "abc");
  CHECK(lstrcpynA(a, "ab", 10) == a);
  CHECK(std::string(a) == "ab");
  WCHAR w[16];
  CHECK(lstrcpyW(w, THIN_W("wide")) == w);
  CHECK(lstrcatW(w, THIN_W("r")) == w);
  CHECK(thin::wstr(w) == THIN_W("wider"));
  CHECK(lstrcpynW(w, THIN_W("abcdef"), 3) == w);
  CHECK(thin::wstr(w) == THIN_W("ab"));

  CHECK(lstrcmpA("abc", "abc") == 0);
  CHECK(lstrcmpA("abc", "abd") == -1);
  CHECK(lstrcmpA("abd", "abc") == 1);
  CHECK(lstrcmpA("ab", "abc") == -1);
  CHECK(lstrcmpA("a", "B") == -1);  // word sort, not byte order
  CHECK(lstrcmpA("B", "a") == 1);
  CHECK(lstrcmpA("a", "A") == -1);    // lowercase first
  CHECK(lstrcmpA("Ab", "aC") == -1);  // letters before case
  CHECK(lstrcmpA("1", "a") == -1);
  CHECK(lstrcmpA("_", "a") == -1);
  CHECK(lstrcmpA(nullptr, "a") == -1);
  CHECK(lstrcmpA("a", nullptr) == 1);
  CHECK(lstrcmpA(nullptr, nullptr) == 0);
  CHECK(lstrcmpiA("HeLLo", "hello") == 0);
  CHECK(lstrcmpiA("abc", "ABD") == -1);
  CHECK(lstrcmpiA("b", "A") == 1);
  CHECK(lstrcmpW(THIN_W("a"), THIN_W("B")) == -1);
  CHECK(lstrcmpW(THIN_W("a"), THIN_W("A")) == -1);
  CHECK(lstrcmpiW(THIN_W("StRiNg"), THIN_W("string")) == 0);
  const WCHAR e_upper[] = {0xC9, 0}, e_lower[] = {0xE9, 0};  // É, é
  CHECK(lstrcmpiW(e_upper, e_lower) == 0);
}

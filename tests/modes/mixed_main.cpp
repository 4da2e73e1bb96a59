// The main function of tests/modes/modes.py's link check; no wpu header.
int tu_a();
int tu_b();

int main() {
  return tu_a() + tu_b();
}

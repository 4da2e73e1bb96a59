#include <wpu/impl/src.hpp>

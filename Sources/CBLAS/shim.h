// The system CBLAS (Debian's libopenblas-dev installs cblas.h on the default path).
#include <cblas.h>

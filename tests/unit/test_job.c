#include "tap.h"
static void t(void){}
static const tap_test_t tests[]={{"x",t}};
int main(void){return TAP_RUN(tests);}

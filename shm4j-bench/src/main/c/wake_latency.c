// Wake-up latency of the kernel primitives alone (docs/BENCHMARKS.md, "Issue 4 re-runs"):
// a waker process wakes a sleeping process N times, 2 ms apart, with a shared futex on a
// /dev/shm file or a one-byte pipe write, then spins ("spin") or sleeps ("sleep") until
// acknowledged; prints the one-way latency p50 and p90.
//
//   gcc -O2 -o /tmp/wake_latency shm4j-bench/src/main/c/wake_latency.c
//   /tmp/wake_latency futex|pipe spin|sleep 1500
#define _GNU_SOURCE
#include <linux/futex.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <time.h>
#include <stdatomic.h>
static long now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1000000000L+t.tv_nsec;}
static int cmp(const void*a,const void*b){long x=*(long*)a,y=*(long*)b;return x<y?-1:x>y;}
int main(int argc,char**argv){
  int usepipe = !strcmp(argv[1],"pipe"); int spin = !strcmp(argv[2],"spin"); int n=atoi(argv[3]);
  int fd=open("/dev/shm/wk.bin",O_RDWR|O_CREAT|O_TRUNC,0600); ftruncate(fd,4096);
  volatile char*m=mmap(0,4096,PROT_READ|PROT_WRITE,MAP_SHARED,fd,0);
  _Atomic int *word=(void*)m; _Atomic long *sent=(void*)(m+64); _Atomic long *ack=(void*)(m+128); _Atomic long *lat=(void*)(m+192);
  int p[2]; pipe(p);
  long *res=malloc(sizeof(long)*n);
  if(fork()==0){ // follower
    char b;
    for(int i=1;i<=n;i++){
      if(usepipe){ read(p[0],&b,1); }
      else { while(atomic_load(word)<i) syscall(SYS_futex,word,FUTEX_WAIT,i-1,0,0,0); }
      long t=now(); atomic_store(lat, t-atomic_load(sent)); atomic_store(ack,i);
    }
    _exit(0);
  }
  for(int i=1;i<=n;i++){
    usleep(2000);
    atomic_store(sent,now());
    if(usepipe){ write(p[1],"x",1);} else { atomic_store(word,i); syscall(SYS_futex,word,FUTEX_WAKE,1,0,0,0);}
    if(spin){ while(atomic_load(ack)<i) __builtin_ia32_pause(); }
    else { while(atomic_load(ack)<i) usleep(50); }
    res[i-1]=atomic_load(lat);
  }
  wait(0); unlink("/dev/shm/wk.bin"); qsort(res,n,sizeof(long),cmp);
  printf("%-5s waker-%-5s p50 %6.1f us  p90 %6.1f us\n",argv[1],argv[2],res[n/2]/1e3,res[n*9/10]/1e3);
}
